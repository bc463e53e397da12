package dev.cairn.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery and OpenAPI documents kubectl reads before it does anything. The mock API server
 * does not serve them, so local mode does: legacy discovery ({@code /api}, {@code /apis}, resource
 * lists per group-version), {@code /version}, and a minimal OpenAPI v3 whose patch operations carry
 * a {@code fieldValidation} parameter, which makes kubectl leave validation to the server.
 */
final class DiscoveryDocuments {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<ApiResource> resources;
  private final Map<String, List<ApiResource>> byGroupVersion = new LinkedHashMap<>();

  DiscoveryDocuments(List<ApiResource> resources) {
    this.resources = List.copyOf(resources);
    for (ApiResource r : this.resources) {
      byGroupVersion.computeIfAbsent(r.groupVersion(), k -> new ArrayList<>()).add(r);
    }
  }

  /** The JSON document for a discovery path, or empty when the path is not a discovery path. */
  Optional<String> forPath(String path) {
    if (path.equals("/version")) {
      return Optional.of(version());
    }
    if (path.equals("/api")) {
      return Optional.of(apiVersions());
    }
    if (path.equals("/apis")) {
      return Optional.of(groupList());
    }
    if (path.equals("/openapi/v3")) {
      return Optional.of(openApiIndex());
    }
    if (path.startsWith("/openapi/v3/")) {
      String gv = path.substring("/openapi/v3/".length());
      gv = gv.startsWith("apis/") ? gv.substring(5) : gv.startsWith("api/") ? gv.substring(4) : null;
      return gv != null && byGroupVersion.containsKey(gv) ? Optional.of(openApi(gv)) : Optional.empty();
    }
    if (path.equals("/api/v1")) {
      return Optional.of(resourceList("v1"));
    }
    if (path.startsWith("/apis/")) {
      String gv = path.substring(6);
      if (byGroupVersion.containsKey(gv)) {
        return Optional.of(resourceList(gv));
      }
    }
    return Optional.empty();
  }

  private String version() {
    ObjectNode v = JSON.createObjectNode();
    v.put("major", "1").put("minor", "32").put("gitVersion", "v1.32.0-cairn-local")
        .put("platform", "linux/amd64");
    return v.toString();
  }

  private String apiVersions() {
    ObjectNode n = JSON.createObjectNode();
    n.put("kind", "APIVersions");
    n.putArray("versions").add("v1");
    n.putArray("serverAddressByClientCIDRs");
    return n.toString();
  }

  private String groupList() {
    ObjectNode n = JSON.createObjectNode();
    n.put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode groups = n.putArray("groups");
    Map<String, List<String>> versionsByGroup = new LinkedHashMap<>();
    for (ApiResource r : resources) {
      if (!r.group().isEmpty()) {
        List<String> versions = versionsByGroup.computeIfAbsent(r.group(), g -> new ArrayList<>());
        if (!versions.contains(r.version())) {
          versions.add(r.version());
        }
      }
    }
    versionsByGroup.forEach(
        (group, versions) -> {
          ObjectNode g = groups.addObject();
          g.put("name", group);
          ArrayNode vs = g.putArray("versions");
          for (String v : versions) {
            vs.addObject().put("groupVersion", group + "/" + v).put("version", v);
          }
          g.putObject("preferredVersion").put("groupVersion", group + "/" + versions.get(0))
              .put("version", versions.get(0));
        });
    return n.toString();
  }

  private String resourceList(String groupVersion) {
    ObjectNode n = JSON.createObjectNode();
    n.put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", groupVersion);
    ArrayNode list = n.putArray("resources");
    for (ApiResource r : byGroupVersion.get(groupVersion)) {
      ObjectNode o = list.addObject();
      o.put("name", r.plural()).put("singularName", r.singular()).put("namespaced", r.namespaced())
          .put("kind", r.kind());
      ArrayNode verbs = o.putArray("verbs");
      ApiResource.VERBS.forEach(verbs::add);
      if (!r.shortNames().isEmpty()) {
        ArrayNode sn = o.putArray("shortNames");
        r.shortNames().forEach(sn::add);
      }
      for (String sub : r.subresources()) {
        ObjectNode s = list.addObject();
        s.put("name", r.plural() + "/" + sub).put("singularName", "").put("namespaced", r.namespaced())
            .put("kind", sub.equals("scale") ? "Scale" : r.kind());
        s.putArray("verbs").add("get").add("patch").add("update");
      }
    }
    return n.toString();
  }

  private String openApiIndex() {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode paths = n.putObject("paths");
    for (String gv : byGroupVersion.keySet()) {
      String rel = (gv.contains("/") ? "apis/" : "api/") + gv;
      // The hash only has to change when the document changes; ours never does while running.
      paths.putObject(rel).put("serverRelativeURL", "/openapi/v3/" + rel + "?hash=cairn-local-1");
    }
    return n.toString();
  }

  private String openApi(String groupVersion) {
    ObjectNode n = JSON.createObjectNode();
    n.put("openapi", "3.0.0");
    n.putObject("info").put("title", "cairn local API").put("version", "v1alpha1");
    ObjectNode paths = n.putObject("paths");
    for (ApiResource r : byGroupVersion.get(groupVersion)) {
      ObjectNode patch = paths.putObject(r.itemPath()).putObject("patch");
      ObjectNode gvk = patch.putObject("x-kubernetes-group-version-kind");
      gvk.put("group", r.group()).put("version", r.version()).put("kind", r.kind());
      ObjectNode p = patch.putArray("parameters").addObject();
      p.put("name", "fieldValidation").put("in", "query").put("uniqueItems", true);
      p.putObject("schema").put("type", "string");
      patch.putObject("responses").putObject("200").put("description", "OK");
    }
    n.putObject("components").putObject("schemas");
    return n.toString();
  }
}
