package dev.cairn.packaging;

import java.util.Arrays;
import java.util.List;

/**
 * What the Kubernetes authorizer sees of one API request: verb, API group, resource, subresource,
 * namespace and name, derived from the method and path the way the API server's request-info
 * resolver does it. Paths outside /api and /apis are non-resource requests ({@link #nonResourcePath}).
 */
record RequestAttributes(String verb, String group, String resource, String subresource, String namespace, String name,
    String nonResourcePath) {

  static RequestAttributes of(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    boolean watch = Arrays.stream(query.split("&")).anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
    List<String> seg = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    int i;
    if (seg.size() >= 2 && seg.get(0).equals("api")) {
      group = "";
      i = 2;
    } else if (seg.size() >= 3 && seg.get(0).equals("apis")) {
      group = seg.get(1);
      i = 3;
    } else {
      return new RequestAttributes(method.toLowerCase(java.util.Locale.ROOT), null, null, null, null, null, path);
    }
    if (seg.size() == i) {
      // /api/v1 or /apis/<group>/<version>: discovery.
      return new RequestAttributes("get", null, null, null, null, null, path);
    }
    String namespace = null;
    List<String> rest = seg.subList(i, seg.size());
    if (rest.get(0).equals("namespaces") && rest.size() >= 3) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    } else if (rest.get(0).equals("namespaces") && rest.size() == 2) {
      // the Namespace object itself
      namespace = rest.get(1);
    }
    String resource = rest.get(0);
    String name = rest.size() >= 2 ? rest.get(1) : null;
    String sub = rest.size() >= 3 ? rest.get(2) : null;
    String verb = switch (method) {
      case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
    return new RequestAttributes(verb, group, resource, sub, namespace, name, null);
  }

  boolean isResourceRequest() {
    return nonResourcePath == null;
  }

  /** {@code resource} or {@code resource/subresource}, as RBAC rules name it. */
  String resourceWithSub() {
    return subresource == null ? resource : resource + "/" + subresource;
  }

  /** The part RBAC rules grant: {@code verb group resource[/sub]}. */
  String grantKey() {
    return isResourceRequest() ? verb + " " + (group.isEmpty() ? "core" : group) + " " + resourceWithSub()
        : verb + " " + nonResourcePath;
  }
}
