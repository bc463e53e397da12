package dev.cairn.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The subresources kubectl uses that the CRUD store does not know: {@code scale} (an
 * {@code autoscaling/v1 Scale} view of a replica count, for {@code kubectl scale}) and a pod's
 * {@code log} (read from the file the pod runner writes, for {@code kubectl logs}). Unknown ones get
 * a clear 404 instead of whatever the store would make of the path.
 */
final class Subresources {

  /** Where the replica count and selector of a scalable kind live, as dotted paths. */
  record ScalePaths(String specReplicas, String statusReplicas, String labelSelector) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String START_MARKER = " cairn local: start ";

  private final Map<String, ScalePaths> scalable;
  private final Function<RecordedRequest, MockResponse> store;
  private volatile LocalApiServer.LogSource logs;

  Subresources(Map<String, ScalePaths> scalableByKind, Function<RecordedRequest, MockResponse> store) {
    this.scalable = Map.copyOf(scalableByKind);
    this.store = store;
  }

  void logSource(LocalApiServer.LogSource source) {
    this.logs = source;
  }

  /** The response for a subresource request, or empty to let the store handle it ({@code status}). */
  Optional<MockResponse> handle(RecordedRequest request, ApiResource.SubresourcePath p) {
    switch (p.subresource()) {
      case "status":
        return Optional.empty();
      case "scale":
        ScalePaths paths = scalable.get(p.resource().groupVersion() + "/" + p.resource().kind());
        if (paths != null) {
          return Optional.of(scale(request, p, paths));
        }
        break;
      case "log":
        if (p.resource().kind().equals("Pod") && "GET".equals(request.getMethod())) {
          return Optional.of(log(request, p));
        }
        break;
      default:
        break;
    }
    return Optional.of(LocalApiDispatcher.status(404, "NotFound", "the local API server does not serve "
        + p.subresource() + " for " + p.resource().kind() + " " + p.name()
        + (p.resource().kind().equals("Pod") ? "; local pods are processes: see their logs with kubectl logs or"
            + " in the pod runner's directory" : "")));
  }

  private MockResponse scale(RecordedRequest request, ApiResource.SubresourcePath p, ScalePaths paths) {
    String method = request.getMethod();
    if ("PATCH".equals(method) || "PUT".equals(method)) {
      Integer replicas = desiredReplicas(request);
      if (replicas == null) {
        return LocalApiDispatcher.status(422, "Invalid", "the scale request names no spec.replicas");
      }
      ObjectNode patch = JSON.createObjectNode();
      set(patch, paths.specReplicas(), replicas);
      MockResponse r = store.apply(new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, p.objectPath(),
          Headers.builder().add("Content-Type", "application/merge-patch+json").build(),
          new Buffer(patch.toString().getBytes(StandardCharsets.UTF_8))));
      if (r.code() >= 300) {
        return r;
      }
    } else if (!"GET".equals(method)) {
      return LocalApiDispatcher.status(405, "MethodNotAllowed", method + " is not allowed on scale");
    }
    MockResponse current = store.apply(new RecordedRequest("HTTP/1.1", HttpMethod.GET, p.objectPath(),
        Headers.builder().build(), new Buffer()));
    if (current.code() != 200) {
      return current;
    }
    try {
      JsonNode obj = JSON.readTree(current.getBody().getBytes());
      ObjectNode scale = JSON.createObjectNode();
      scale.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
      ObjectNode meta = scale.putObject("metadata");
      for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
        if (obj.path("metadata").has(f)) {
          meta.set(f, obj.path("metadata").get(f));
        }
      }
      scale.putObject("spec").put("replicas", get(obj, paths.specReplicas()).asInt(0));
      ObjectNode status = scale.putObject("status");
      status.put("replicas", get(obj, paths.statusReplicas()).asInt(0));
      if (paths.labelSelector() != null && get(obj, paths.labelSelector()).isTextual()) {
        status.put("selector", get(obj, paths.labelSelector()).asText());
      }
      return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(scale.toString());
    } catch (IOException e) {
      return LocalApiDispatcher.status(500, "InternalError", "cannot read " + p.objectPath() + ": " + e.getMessage());
    }
  }

  /** spec.replicas of a Scale (PUT), a merge patch, or a JSON patch replacing /spec/replicas. */
  private static Integer desiredReplicas(RecordedRequest request) {
    try {
      JsonNode body = JSON.readTree(request.getUtf8Body());
      if (body.isArray()) {
        for (JsonNode op : body) {
          if ("/spec/replicas".equals(op.path("path").asText()) && op.has("value")) {
            return op.get("value").asInt();
          }
        }
        return null;
      }
      JsonNode r = body.path("spec").path("replicas");
      return r.canConvertToInt() ? r.asInt() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private MockResponse log(RecordedRequest request, ApiResource.SubresourcePath p) {
    Map<String, String> query = query(request.getPath());
    String container = query.get("container");
    if (container == null) {
      MockResponse pod = store.apply(new RecordedRequest("HTTP/1.1", HttpMethod.GET, p.objectPath(),
          Headers.builder().build(), new Buffer()));
      if (pod.code() != 200) {
        return pod;
      }
      try {
        container = JSON.readTree(pod.getBody().getBytes()).path("spec").path("containers").path(0).path("name").asText(null);
      } catch (IOException e) {
        container = null;
      }
      if (container == null) {
        return LocalApiDispatcher.status(400, "BadRequest", "pod " + p.name() + " has no container to show logs of");
      }
    }
    LocalApiServer.LogSource source = logs;
    Optional<Path> file = source == null ? Optional.empty() : source.logFile(p.namespace(), p.name(), container);
    if (file.isEmpty() || !Files.isRegularFile(file.get())) {
      return LocalApiDispatcher.status(404, "NotFound", "no log for container " + container + " of pod "
          + p.namespace() + "/" + p.name() + (source == null ? ": no pod runner serves logs here" : " yet"));
    }
    try {
      List<String> lines = Files.readAllLines(file.get(), StandardCharsets.UTF_8);
      boolean previous = "true".equals(query.get("previous"));
      List<String> run = run(lines, previous);
      String tail = query.get("tailLines");
      if (tail != null && tail.chars().allMatch(Character::isDigit) && !tail.isEmpty()) {
        int n = Integer.parseInt(tail);
        run = run.subList(Math.max(0, run.size() - n), run.size());
      }
      StringBuilder b = new StringBuilder();
      run.forEach(l -> b.append(l).append('\n'));
      return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody(b.toString());
    } catch (IOException e) {
      return LocalApiDispatcher.status(500, "InternalError", "cannot read " + file.get() + ": " + e.getMessage());
    }
  }

  /** The lines of the last start of the container (or the one before, for --previous). */
  static List<String> run(List<String> lines, boolean previous) {
    List<Integer> starts = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("----- ") && lines.get(i).contains(START_MARKER)) {
        starts.add(i);
      }
    }
    if (starts.isEmpty()) {
      return previous ? List.of() : lines;
    }
    int which = previous ? starts.size() - 2 : starts.size() - 1;
    if (which < 0) {
      return List.of();
    }
    int from = starts.get(which) + 1;
    int to = which + 1 < starts.size() ? starts.get(which + 1) : lines.size();
    return lines.subList(from, to);
  }

  private static Map<String, String> query(String path) {
    Map<String, String> out = new LinkedHashMap<>();
    int q = path.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String kv : path.substring(q + 1).split("&")) {
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  private static JsonNode get(JsonNode root, String dotted) {
    JsonNode n = root;
    for (String part : dotted.replaceFirst("^\\.", "").split("\\.")) {
      n = n.path(part);
    }
    return n;
  }

  private static void set(ObjectNode root, String dotted, int value) {
    String[] parts = dotted.replaceFirst("^\\.", "").split("\\.");
    ObjectNode n = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = n.get(parts[i]);
      n = child instanceof ObjectNode o ? o : n.putObject(parts[i]);
    }
    n.put(parts[parts.length - 1], value);
  }
}
