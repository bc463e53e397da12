package dev.cairn.agent.wrapper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.datadir.validation.ValidationMode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/**
 * The wrapper's side of the initialisation handshake with the agent in the same pod:
 * {@code POST /initialization/start?mode=full|sanity}, {@code GET /initialization/status} and
 * {@code GET /config}.
 */
public final class InitClient {

  /** States the agent reports, as in seed 001: New, Progress, Successful, Failed. */
  public enum State {
    NEW,
    PROGRESS,
    SUCCESSFUL,
    FAILED
  }

  /** One answer of {@code /initialization/status}. */
  public record Status(State state, String reason) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final java.nio.file.Path tokenFile;

  public InitClient(URI base, HttpClient http) {
    this(base, http, null);
  }

  /**
   * @param tokenFile the agent API token, sent as a bearer token with the start request (read at each
   *     request, so a rotated Secret is followed); null sends none
   */
  public InitClient(URI base, HttpClient http, java.nio.file.Path tokenFile) {
    this.base = base;
    this.http = http;
    this.tokenFile = tokenFile;
  }

  /** Asks the agent to validate (and restore if needed) in {@code mode}; idempotent on the agent side. */
  public void start(ValidationMode mode) throws IOException, InterruptedException {
    String m = mode.name().toLowerCase(Locale.ROOT);
    HttpResponse<String> r =
        http.send(
            authorized(request("/initialization/start?mode=" + m)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 401 || r.statusCode() == 503) {
      throw new TokenRefused(
          "agent refused /initialization/start?mode=" + m + ": HTTP " + r.statusCode() + " " + r.body());
    }
    if (r.statusCode() / 100 != 2) {
      throw new IOException(
          "agent refused /initialization/start?mode=" + m + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }

  public Status status() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(request("/initialization/status").GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("agent /initialization/status answered HTTP " + r.statusCode() + " " + r.body());
    }
    JsonNode n = JSON.readTree(r.body());
    String s = n.path("state").asText("");
    State state;
    try {
      state = State.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IOException("agent /initialization/status has unknown state '" + s + "': " + r.body());
    }
    return new Status(state, n.path("reason").asText(""));
  }

  /** The member's rendered etcd configuration file (etcd's YAML config-file format). */
  public String config() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request("/config").GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("agent /config answered HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /**
   * The agent refused the token (401) or could not read its own (503), or this side cannot read its
   * file: during a rotation the two containers' files may differ for a moment, so the wrapper asks again.
   */
  public static final class TokenRefused extends IOException {
    TokenRefused(String message) {
      super(message);
    }
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder b) throws IOException {
    if (tokenFile != null) {
      String token;
      try {
        token = java.nio.file.Files.readString(tokenFile).strip();
      } catch (IOException e) {
        throw new TokenRefused("cannot read the agent API token file " + tokenFile + ": " + e);
      }
      if (token.isEmpty()) {
        throw new TokenRefused("the agent API token file " + tokenFile + " is empty");
      }
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
  }
}
