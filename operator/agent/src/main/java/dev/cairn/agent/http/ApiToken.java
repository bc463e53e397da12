package dev.cairn.agent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token that guards every request of the agent API that acts: snapshots on demand, the
 * initialisation start and the operator's directives (a directive makes the member replace its data
 * with a restore, or restart alone with {@code --force-new-cluster}). Without it, anything that can
 * reach the pod's agent port could ask for that. Reads stay open, since the kubelet's probes and
 * Prometheus carry no token: {@code GET} or {@code HEAD} of {@link #OPEN}.
 *
 * <p>The token is read from its file at every guarded request, not once: a rotated Secret (the
 * kubelet swaps the mounted file) is honoured without a restart, and a file that cannot be read
 * refuses every guarded request (503), never lets them through. The token is compared in constant
 * time and never logged or echoed.
 */
public final class ApiToken extends Filter {

  private static final Logger LOG = LoggerFactory.getLogger(ApiToken.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Paths that answer reads without a token. Anything else, and any other method, needs it. */
  static final Set<String> OPEN = Set.of("/healthz", "/readyz", "/metrics", "/snapshot/latest", "/member/status",
      "/initialization/status", "/initialization/directive", "/config");

  private final Path file;

  /** Guards with the token in {@code file} (surrounding whitespace ignored). */
  public ApiToken(Path file) {
    this.file = file;
  }

  /** Whether {@code method} on {@code path} goes through without a token. */
  static boolean open(String method, String path) {
    return ("GET".equals(method) || "HEAD".equals(method)) && OPEN.contains(path);
  }

  @Override
  public void doFilter(HttpExchange ex, Chain chain) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (open(ex.getRequestMethod(), path)) {
      chain.doFilter(ex);
      return;
    }
    byte[] expected;
    try {
      expected = Files.readString(file, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
      if (expected.length == 0) {
        throw new IOException("the file is empty");
      }
    } catch (IOException e) {
      LOG.error("refusing {} {}: the agent API token file {} cannot be read ({})", ex.getRequestMethod(), path, file,
          e.getMessage());
      refuse(ex, 503, "the agent API token file " + file + " cannot be read, so requests that act are refused:"
          + " check that the token Secret is mounted there");
      return;
    }
    String header = ex.getRequestHeaders().getFirst("Authorization");
    byte[] given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
        ? header.substring(7).strip().getBytes(StandardCharsets.UTF_8)
        : null;
    if (given == null || !MessageDigest.isEqual(expected, given)) {
      LOG.warn("refused {} {} from {}: {}", ex.getRequestMethod(), path, ex.getRemoteAddress(),
          given == null ? "no bearer token" : "wrong bearer token");
      refuse(ex, 401, (given == null ? "this request needs" : "wrong token: this request needs")
          + " the agent API token. Send 'Authorization: Bearer <token>' with the token of the Secret"
          + " <etcd>-agent-api (key token) in the member's namespace; only GET of " + String.join(", ",
          OPEN.stream().sorted().toList()) + " is open.");
      return;
    }
    chain.doFilter(ex);
  }

  private static void refuse(HttpExchange ex, int code, String message) throws IOException {
    try (ex) {
      byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("error", message));
      ex.getResponseHeaders().set("Content-Type", "application/json");
      if (code == 401) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cairn-agent\"");
      }
      ex.sendResponseHeaders(code, body.length);
      ex.getResponseBody().write(body);
    }
  }

  @Override
  public String description() {
    return "cairn agent API bearer token";
  }
}
