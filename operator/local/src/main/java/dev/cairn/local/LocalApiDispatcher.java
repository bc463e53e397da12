package dev.cairn.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRUD store of the mock server with the parts kubectl needs in front of it: discovery and
 * OpenAPI documents, a clear refusal of what the store cannot do (protobuf bodies, server-side
 * apply, strategic merge patches with lists), and a JSON {@code Status} for any failure, because an
 * exception thrown inside the mock server's event loop leaves the client waiting forever.
 */
final class LocalApiDispatcher extends KubernetesCrudDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(LocalApiDispatcher.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MERGE_PATCH = "application/merge-patch+json";
  private static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";

  private final DiscoveryDocuments discovery;
  private final List<ApiResource> resources;
  private final Subresources subresources;

  LocalApiDispatcher(DiscoveryDocuments discovery, List<ApiResource> resources,
      java.util.Map<String, Subresources.ScalePaths> scalable) {
    this.discovery = discovery;
    this.resources = List.copyOf(resources);
    this.subresources = new Subresources(scalable, this::store);
  }

  /** Serves {@code kubectl logs} from the files of whoever runs the pods. */
  void logSource(LocalApiServer.LogSource source) {
    subresources.logSource(source);
  }

  private MockResponse store(RecordedRequest request) {
    return super.dispatch(request);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    try {
      return route(request);
    } catch (RuntimeException e) {
      if (isPatchThatDoesNotApply(e)) {
        // A real API server answers 422 to a JSON patch whose paths are not in the object. Objects here
        // also lack the fields a real server would default, so such a patch is easier to write by mistake.
        return status(422, "Invalid", "the patch does not apply to " + request.getPath() + ": " + rootMessage(e)
            + " (the local API server stores objects as sent, without schema defaults; use a merge patch,"
            + " kubectl patch --type=merge)");
      }
      LOG.warn("local API server failed on {} {}", request.getMethod(), request.getPath(), e);
      return status(500, "InternalError",
          "the local API server failed on " + request.getMethod() + " " + request.getPath() + ": " + e);
    }
  }

  private MockResponse route(RecordedRequest request) {
    String method = request.getMethod();
    String path = request.getPath();
    if ("GET".equals(method)) {
      // kubectl appends ?timeout=32s (and a hash on OpenAPI documents): match on the bare path.
      int q = path.indexOf('?');
      Optional<String> doc = discovery.forPath(q < 0 ? path : path.substring(0, q));
      if (doc.isPresent()) {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
            .setBody(doc.get());
      }
    }
    int q = path.indexOf('?');
    String bare = q < 0 ? path : path.substring(0, q);
    if ("GET".equals(method) && List.of("/healthz", "/livez", "/readyz").contains(bare)) {
      return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody("ok");
    }
    boolean objectPath = ApiResource.forObjectPath(resources, path).isPresent();
    if (!objectPath) {
      Optional<ApiResource.SubresourcePath> sub = ApiResource.forSubresourcePath(resources, path);
      if (sub.isPresent()) {
        Optional<MockResponse> handled = subresources.handle(request, sub.get());
        if (handled.isPresent()) {
          return handled.get();
        }
      } else if (ApiResource.belowSubresource(resources, bare)) {
        return status(404, "NotFound", "the local API server does not serve " + bare
            + " (no pod proxy or other nested subresource: local pods are processes on loopback addresses,"
            + " reach them directly)");
      } else if (!bare.startsWith("/api/") && !bare.startsWith("/apis/")) {
        // The store answers a path it cannot parse with every object it has; say what is not here.
        return status(404, "NotFound", "the local API server does not serve " + bare);
      }
    }
    String contentType = contentType(request);
    if (contentType.contains("protobuf")) {
      // kubectl's typed commands (create configmap, create secret ...) send protobuf, which only a
      // real API server decodes.
      return status(415, "UnsupportedMediaType",
          "the local API server accepts JSON only, not " + contentType
              + "; write the object to a file and use kubectl apply -f FILE (or create -f FILE)");
    }
    if ("PATCH".equals(method) && contentType.startsWith("application/apply-patch")) {
      return status(415, "UnsupportedMediaType",
          "the local API server has no server-side apply; use kubectl apply without --server-side");
    }
    if ("PATCH".equals(method) && contentType.startsWith(STRATEGIC_MERGE_PATCH)) {
      return strategicAsMergePatch(request);
    }
    MockResponse response = super.dispatch(request);
    if (response == null || response.getWebSocketListener() != null) {
      return response;
    }
    if ("GET".equals(method) && response.code() == 200 && objectPath && !path.contains("watch=")) {
      Optional<ApiResource> kind = ApiResource.forObjectPath(resources, path);
      if (kind.isPresent()) {
        response = asTableOrSorted(request, response, kind.get());
      }
    }
    if (response.header("Content-Type") == null) {
      // client-go picks its decoder from the content type: say JSON, whatever the client asked for.
      response.setHeader("Content-Type", "application/json");
    }
    return response;
  }

  /** kubectl get asks for a Table; everyone else gets lists in namespace/name order, as from a real server. */
  private static MockResponse asTableOrSorted(RecordedRequest request, MockResponse response, ApiResource kind) {
    String accept = request.getHeader("Accept");
    JsonNode body;
    try {
      body = JSON.readTree(response.getBody().getBytes());
    } catch (IOException e) {
      return response;
    }
    String out;
    if (accept != null && accept.contains("as=Table")) {
      out = Tables.table(kind, body, Instant.now());
    } else {
      Tables.sortItems(body);
      out = body.toString();
    }
    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(out);
  }

  /**
   * kubectl re-applies a changed built-in object (ConfigMap, Secret, Service ...) with a strategic
   * merge patch. Without lists and {@code $} directives such a patch means exactly what a JSON merge
   * patch means, so it is forwarded as one; anything else is refused rather than applied wrongly
   * (a merge patch would replace a list that the strategic patch only meant to merge into).
   */
  private MockResponse strategicAsMergePatch(RecordedRequest request) {
    String body = request.getUtf8Body();
    JsonNode patch;
    try {
      patch = JSON.readTree(body);
    } catch (IOException e) {
      return status(400, "BadRequest", "the patch is not valid JSON: " + e.getMessage());
    }
    Optional<String> problem = listOrDirective(patch, "");
    if (problem.isPresent()) {
      return status(415, "UnsupportedMediaType",
          "the local API server cannot apply a strategic merge patch that touches " + problem.get()
              + " (lists merge by key there); delete and re-create the object, or patch it with"
              + " kubectl patch --type=merge");
    }
    Headers headers = request.getHeaders().newBuilder().set("Content-Type", MERGE_PATCH).build();
    RecordedRequest asMerge =
        new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), headers,
            new Buffer(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    return route(asMerge);
  }

  /** The first list or strategic-merge directive in a patch, as a path; empty when there is none. */
  static Optional<String> listOrDirective(JsonNode node, String path) {
    if (node.isArray()) {
      return Optional.of(path.isEmpty() ? "a list" : "the list " + path);
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String child = path + "." + field.getKey();
        if (field.getKey().startsWith("$")) {
          return Optional.of("the directive " + child);
        }
        Optional<String> found = listOrDirective(field.getValue(), child);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }

  private static boolean isPatchThatDoesNotApply(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getClass().getName().startsWith("io.fabric8.zjsonpatch.")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static String contentType(RecordedRequest request) {
    String ct = request.getHeader("Content-Type");
    return ct == null ? "" : ct.trim().toLowerCase(java.util.Locale.ROOT);
  }

  /** A Kubernetes {@code Status} response, which kubectl prints as its error message. */
  static MockResponse status(int code, String reason, String message) {
    ObjectNode s = JSON.createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure").put("message", message)
        .put("reason", reason).put("code", code);
    s.putObject("metadata");
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
        .setBody(s.toString());
  }
}
