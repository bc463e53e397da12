package dev.cairn.agent.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.agent.wrapper.InitClient;
import dev.cairn.datadir.validation.ValidationMode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token guard in front of the agent's handlers, over real HTTP. */
class ApiTokenTest {

  private static final String TOKEN = "k7PqR2vXy9-abcDEF_0123456789ghijklmnopqrstu";

  @TempDir Path dir;
  private Path tokenFile;
  private HttpServer server;
  private URI base;
  /** What reached the handlers behind the guard. */
  private final List<String> served = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      served.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
      byte[] b = "{\"state\":\"New\",\"reason\":\"\"}".getBytes();
      ex.sendResponseHeaders(ex.getRequestURI().getPath().startsWith("/initialization/start") ? 202 : 200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    }).getFilters().add(new ApiToken(tokenFile));
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readsForProbesAndMonitoringNeedNoToken() throws Exception {
    for (String path : List.of("/healthz", "/readyz", "/metrics", "/snapshot/latest", "/member/status",
        "/initialization/status", "/initialization/directive", "/config")) {
      assertEquals(200, send("GET", path, null).statusCode(), "GET " + path);
    }
    assertEquals(8, served.size());
  }

  @Test
  void everyRequestThatActsNeedsTheToken() throws Exception {
    for (String[] r : List.of(new String[] {"POST", "/snapshot/full"}, new String[] {"GET", "/snapshot/full"},
        new String[] {"POST", "/snapshot/delta"}, new String[] {"GET", "/snapshot/delta"},
        new String[] {"POST", "/initialization/start"}, new String[] {"POST", "/initialization/directive"},
        new String[] {"DELETE", "/initialization/directive"}, new String[] {"POST", "/healthz"},
        new String[] {"GET", "/something/else"})) {
      HttpResponse<String> none = send(r[0], r[1], null);
      assertEquals(401, none.statusCode(), r[0] + " " + r[1] + " without a token");
      assertTrue(none.body().contains("Authorization: Bearer"), "says what to send: " + none.body());
      assertEquals("Bearer realm=\"cairn-agent\"", none.headers().firstValue("WWW-Authenticate").orElse(null));
      HttpResponse<String> wrong = send(r[0], r[1], "Bearer " + TOKEN.substring(1) + "x");
      assertEquals(401, wrong.statusCode(), r[0] + " " + r[1] + " with a wrong token");
      assertTrue(wrong.body().startsWith("{\"error\":\"wrong token"), wrong.body());
      assertFalse(wrong.body().contains(TOKEN.substring(1)), "the token is never echoed");
      assertEquals(401, send(r[0], r[1], "Basic " + TOKEN).statusCode(), "another scheme");
    }
    assertEquals(List.of(), served, "nothing reached a handler");
    assertEquals(200, send("POST", "/snapshot/full", "Bearer " + TOKEN).statusCode());
    assertEquals(200, send("POST", "/initialization/directive", "bearer  " + TOKEN + " ").statusCode(),
        "scheme case and spaces around the token do not matter");
    assertEquals(List.of("POST /snapshot/full", "POST /initialization/directive"), served);
  }

  @Test
  void aRotatedTokenCountsFromTheNextRequest() throws Exception {
    assertEquals(200, send("POST", "/snapshot/delta", "Bearer " + TOKEN).statusCode());
    // As the kubelet does it: the new file replaces the old one.
    Path next = dir.resolve("token.new");
    Files.writeString(next, "rotated-token-value");
    Files.move(next, tokenFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    assertEquals(401, send("POST", "/snapshot/delta", "Bearer " + TOKEN).statusCode(), "the old token");
    assertEquals(200, send("POST", "/snapshot/delta", "Bearer rotated-token-value").statusCode(), "the new one");
  }

  @Test
  void anUnreadableOrEmptyTokenFileRefusesRatherThanLetsThrough() throws Exception {
    Files.delete(tokenFile);
    HttpResponse<String> r = send("POST", "/snapshot/full", "Bearer " + TOKEN);
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains(tokenFile.toString()), r.body());
    Files.writeString(tokenFile, " \n");
    assertEquals(503, send("POST", "/snapshot/full", "Bearer ").statusCode(), "an empty token matches nothing");
    assertEquals(200, send("GET", "/healthz", null).statusCode(), "reads stay open");
    assertEquals(List.of("GET /healthz"), served);
  }

  @Test
  void theWrapperSendsTheTokenWithTheInitialisationStart() throws Exception {
    new InitClient(base, http, tokenFile).start(ValidationMode.SANITY);
    assertEquals(List.of("POST /initialization/start"), served);
    IOException e = assertThrows(InitClient.TokenRefused.class, () -> new InitClient(base, http).start(ValidationMode.FULL),
        "a refusal the wrapper retries (a rotation reaches the containers' files at different moments)");
    assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
    assertEquals(InitClient.State.NEW, new InitClient(base, http).status().state(), "status needs no token");
  }
}
