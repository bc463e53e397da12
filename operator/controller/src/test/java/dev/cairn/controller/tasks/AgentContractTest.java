package dev.cairn.controller.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.agent.init.DirectiveFile;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.etcd.AgentException;
import dev.cairn.controller.etcd.HttpAgentClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wire contract the tasks rely on, as the real HTTP client speaks it to an agent-shaped server. */
class AgentContractTest {

  private HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile int deltaStatus = 204;
  /** What GET /initialization/directive answers: status code and body. */
  private volatile int directiveStatus = 404;
  private volatile String directiveBody = "{\"error\":\"no directive\"}";
  private volatile String memberStatusBody = "{\"memberID\":\"8e9e05c52164694d\",\"clusterID\":\"cdf818194e3a8c32\","
      + "\"revision\":48213,\"etcdRunning\":false,\"dataDirPresent\":true}";

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
      String path = ex.getRequestURI().getPath();
      int code = 200;
      String body = "";
      switch (path) {
        case "/member/status" -> body = memberStatusBody;
        case "/snapshot/full" -> body = "{\"object\":\"0000000000000048213-full-0000000000000000000-20250101T060000000Z.db\","
            + "\"endRevision\":48213,\"createdAt\":\"2025-01-01T06:00:00Z\"}";
        case "/snapshot/delta" -> {
          code = deltaStatus;
          body = code == 409 ? "{\"error\":\"not the leader\"}" : "";
        }
        case "/initialization/directive" -> {
          code = directiveStatus;
          body = directiveBody;
        }
        default -> code = 404;
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
      if (b.length > 0) {
        try (OutputStream o = ex.getResponseBody()) {
          o.write(b);
        }
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private AgentClient.Target target() {
    return new AgentClient.Target(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), null);
  }

  @Test
  void memberStatusAndSnapshots() throws Exception {
    AgentClient c = new HttpAgentClient(Duration.ofSeconds(2));
    AgentClient.MemberReport r = c.memberStatus(target(), Duration.ofSeconds(5));
    assertEquals(new AgentClient.MemberReport("8e9e05c52164694d", "cdf818194e3a8c32", 48213, false, true), r);

    AgentClient.Snapshot s = c.snapshot(target(), true, false, Duration.ofSeconds(5)).orElseThrow();
    assertEquals(48213, s.endRevision());
    deltaStatus = 204;
    assertTrue(c.snapshot(target(), false, false, Duration.ofSeconds(5)).isEmpty(), "204: nothing buffered");
    deltaStatus = 409;
    AgentException refused = assertThrows(AgentException.class,
        () -> c.snapshot(target(), false, false, Duration.ofSeconds(5)));
    assertTrue(refused.getMessage().contains("HTTP 409"), refused.getMessage());
    c.snapshot(target(), true, true, Duration.ofSeconds(5));
    assertEquals(List.of("GET /member/status", "POST /snapshot/full", "POST /snapshot/delta", "POST /snapshot/delta",
        "POST /snapshot/full?final=true"), requests);
  }

  /** With the agent's own token guard in front: the token goes with every call, and none is refused. */
  @Test
  void theTokenTravelsWithEveryCall(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("token");
    java.nio.file.Files.writeString(file, "s3cr3t-agent-token");
    HttpServer guarded = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    guarded.createContext("/", ex -> {
      requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
      byte[] b = "{\"object\":\"o\",\"endRevision\":7}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    }).getFilters().add(new dev.cairn.agent.http.ApiToken(file));
    guarded.start();
    try {
      URI base = URI.create("http://127.0.0.1:" + guarded.getAddress().getPort());
      AgentClient c = new HttpAgentClient(Duration.ofSeconds(2));
      AgentClient.Target withToken = new AgentClient.Target(base, null, "s3cr3t-agent-token");
      assertEquals(7, c.snapshot(withToken, true, false, Duration.ofSeconds(5)).orElseThrow().endRevision());
      assertEquals(7, c.finalFullSnapshot(withToken, Duration.ofSeconds(5)).endRevision());
      AgentException e = assertThrows(AgentException.class,
          () -> c.snapshot(new AgentClient.Target(base, null), true, false, Duration.ofSeconds(5)));
      assertTrue(e.getMessage().contains("HTTP 401") && e.getMessage().contains("Authorization: Bearer"), e.getMessage());
      assertFalse(withToken.toString().contains("s3cr3t"), "a target prints as its URL only");
      assertEquals(List.of("POST /snapshot/full", "POST /snapshot/full?final=true"), requests);
    } finally {
      guarded.stop(0);
    }
  }

  /** The agent's MemberReport JSON for a db it cannot read: the problem is carried, the data unknown. */
  @Test
  void memberStatusWithAnUnreadableDb() throws Exception {
    memberStatusBody = "{\"memberID\":null,\"clusterID\":null,\"etcdRunning\":false,"
        + "\"etcdProblem\":\"connection refused\",\"dataDirPresent\":true,"
        + "\"problem\":\"the db /data/member/snap/db is unreadable: bad magic\",\"revision\":-1}";
    AgentClient.MemberReport r = new HttpAgentClient(Duration.ofSeconds(2)).memberStatus(target(),
        Duration.ofSeconds(5));
    assertEquals("the db /data/member/snap/db is unreadable: bad magic", r.problem());
    assertTrue(r.dataUnknown(), r.toString());
    assertFalse(new AgentClient.MemberReport(null, null, -1, false, false).dataUnknown(), "no data dir: empty");
  }

  /** The agent's DirectiveFile JSON as InitHttp serves it, and its 404s told apart. */
  @Test
  void directiveOutcome() throws Exception {
    AgentClient c = new HttpAgentClient(Duration.ofSeconds(2));
    assertTrue(c.directive(target(), Duration.ofSeconds(5)).isEmpty(), "404 no directive: none held");

    directiveStatus = 200;
    // The body as the agent's own DirectiveFile writes it.
    directiveBody = new DirectiveFile.Directive("5f0c-uid", "restore", null, 25L, false, "failed",
        "token preflight refused snapshot 0000000000000000021-full-x.db: its token hash does not match",
        Instant.parse("2026-11-21T09:00:00Z")).toJson().toString();
    AgentClient.Directive d = c.directive(target(), Duration.ofSeconds(5)).orElseThrow();
    assertEquals("5f0c-uid", d.id());
    assertEquals("restore", d.action());
    assertTrue(d.failed() && !d.done(), d.toString());
    assertTrue(d.message().startsWith("token preflight refused snapshot"), d.message());

    directiveBody = new DirectiveFile.Directive("5f0c-uid", "forceNewCluster", null, null, false, "done",
        "etcd runs as a new cluster of one on this member's data", Instant.now()).toJson().toString();
    assertTrue(c.directive(target(), Duration.ofSeconds(5)).orElseThrow().done());

    // An agent without initialisation is no answer about the directive.
    directiveStatus = 404;
    directiveBody = "{\"error\":\"initialisation is not enabled on this agent: give it --data-dir\"}";
    AgentException e = assertThrows(AgentException.class, () -> c.directive(target(), Duration.ofSeconds(5)));
    assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("not enabled"), e.getMessage());
    directiveStatus = 200;
    directiveBody = "not json";
    e = assertThrows(AgentException.class, () -> c.directive(target(), Duration.ofSeconds(5)));
    assertTrue(e.getMessage().contains("unreadable JSON"), e.getMessage());
  }

  @Test
  void anAgentThatIsNotThereIsAnError() {
    AgentClient c = new HttpAgentClient(Duration.ofMillis(500));
    server.stop(0);
    AgentException e = assertThrows(AgentException.class, () -> c.memberStatus(target(), Duration.ofSeconds(1)));
    assertFalse(e.getMessage().isBlank());
  }
}
