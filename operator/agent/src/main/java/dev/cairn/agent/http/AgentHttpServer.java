package dev.cairn.agent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.cairn.agent.Health;
import dev.cairn.agent.Readiness;
import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.snapshot.NotLeaderException;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP API (JDK HTTP server, optionally TLS):
 *
 * <ul>
 *   <li>{@code GET|POST /snapshot/full[?final=true]}: take a full snapshot now, answer its metadata
 *   <li>{@code GET|POST /snapshot/delta}: cut and store a delta now, answer its metadata (204 if no event)
 *   <li>{@code GET /snapshot/latest}: {@code {"full": {...}, "deltas": [...]}}
 *   <li>{@code GET /healthz}: 200 when etcd answers and the snapshotter is healthy, else 503 with the problems
 *   <li>{@code GET /readyz}: the readiness probe, 200 when initialisation succeeded and the local member
 *       votes in a cluster with a leader, else 503 with the reason; store problems do not count
 *   <li>{@code GET /member/status}: member and cluster ID, revision, whether etcd runs and data is present
 *   <li>{@code GET /metrics}: Prometheus text format
 * </ul>
 *
 * A snapshot asked of an agent that does not take snapshots (not the leader, stale, hibernating)
 * answers 409 with the reason.
 */
public final class AgentHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ApiToken token;
  private final SnapshotService service;
  private final Duration snapshotTimeout;
  private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "agent-http");
    t.setDaemon(true);
    return t;
  });

  public AgentHttpServer(InetSocketAddress bind, SSLContext tls, SnapshotService service, Duration snapshotTimeout)
      throws IOException {
    this(bind, tls, null, service, snapshotTimeout);
  }

  /**
   * @param apiTokenFile the bearer token every request that acts must carry ({@link ApiToken}); null
   *     serves every request without one (a command-line agent on loopback, tests)
   */
  public AgentHttpServer(InetSocketAddress bind, SSLContext tls, java.nio.file.Path apiTokenFile,
      SnapshotService service, Duration snapshotTimeout) throws IOException {
    this.service = service;
    this.token = apiTokenFile == null ? null : new ApiToken(apiTokenFile);
    this.snapshotTimeout = snapshotTimeout;
    if (tls != null) {
      HttpsServer s = HttpsServer.create(bind, 0);
      s.setHttpsConfigurator(new HttpsConfigurator(tls));
      server = s;
    } else {
      server = HttpServer.create(bind, 0);
    }
    server.setExecutor(executor);
    context("/snapshot/full", ex -> handle(ex, this::full));
    context("/snapshot/delta", ex -> handle(ex, this::delta));
    context("/snapshot/latest", ex -> handle(ex, this::latest));
    context("/healthz", ex -> handle(ex, this::healthz));
    context("/metrics", ex -> handle(ex, this::metrics));
    context("/", ex -> handle(ex, e -> reply(e, 404, error("no such endpoint " + e.getRequestURI().getPath()))));
  }

  /** Serves {@code GET /readyz} from {@code readiness}. */
  public void serveReadiness(Readiness readiness) {
    context("/readyz", ex -> handle(ex, e -> {
      Readiness.Result r = readiness.check();
      ObjectNode n = JSON.createObjectNode();
      n.put("ready", r.ready());
      n.put("reason", r.reason());
      reply(e, r.ready() ? 200 : 503, JSON.writeValueAsBytes(n));
    }));
  }

  /** Serves {@code GET /member/status} ({@link dev.cairn.agent.MemberReport}); dataDir null when unknown. */
  public void serveMemberStatus(Readiness.LocalEtcd etcd, java.nio.file.Path dataDir) {
    context("/member/status", ex -> handle(ex, e -> {
      if (!exact(e, "/member/status")) {
        return;
      }
      reply(e, 200, JSON.writeValueAsBytes(dev.cairn.agent.MemberReport.of(etcd, dataDir)));
    }));
  }

  /** Adds an endpoint (the initialisation endpoints are registered by {@link dev.cairn.agent.AgentServer}). */
  public void register(String path, com.sun.net.httpserver.HttpHandler handler) {
    context(path, handler);
  }

  // Every endpoint is created here, so that none misses the token check.
  private void context(String path, com.sun.net.httpserver.HttpHandler handler) {
    com.sun.net.httpserver.HttpContext c = server.createContext(path, handler);
    if (token != null) {
      c.getFilters().add(token);
    }
  }

  public void start() {
    server.start();
    LOG.info("agent HTTP API listening on {}", server.getAddress());
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  @FunctionalInterface
  private interface Handler {
    void handle(HttpExchange ex) throws Exception;
  }

  private void handle(HttpExchange ex, Handler h) {
    try (ex) {
      try {
        h.handle(ex);
      } catch (NotLeaderException | SnapshotService.BackupsNotConfiguredException e) {
        reply(ex, 409, error(e.getMessage()));
      } catch (TimeoutException e) {
        reply(ex, 504, error("the snapshot did not finish within " + snapshotTimeout + "; it goes on in the background"));
      } catch (Exception e) {
        LOG.warn("{} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        reply(ex, 500, error(e.getMessage() == null ? e.toString() : e.getMessage()));
      }
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.toString());
    }
  }

  private static boolean exact(HttpExchange ex, String path) throws IOException {
    if (!ex.getRequestURI().getPath().equals(path)) {
      reply(ex, 404, error("no such endpoint " + ex.getRequestURI().getPath()));
      return false;
    }
    String m = ex.getRequestMethod();
    if (!m.equals("GET") && !m.equals("POST")) {
      reply(ex, 405, error("method " + m + " not allowed; use GET or POST"));
      return false;
    }
    return true;
  }

  private void full(HttpExchange ex) throws Exception {
    if (!exact(ex, "/snapshot/full")) {
      return;
    }
    String q = ex.getRequestURI().getQuery();
    boolean isFinal = q != null && (q.contains("final=true") || q.equals("final"));
    SnapshotMetadata meta = service.fullSnapshot(isFinal, snapshotTimeout);
    reply(ex, 200, json(meta));
  }

  private void delta(HttpExchange ex) throws Exception {
    if (!exact(ex, "/snapshot/delta")) {
      return;
    }
    Optional<SnapshotMetadata> meta = service.deltaSnapshot(snapshotTimeout);
    if (meta.isEmpty()) {
      ex.sendResponseHeaders(204, -1);
      return;
    }
    reply(ex, 200, json(meta.get()));
  }

  private void latest(HttpExchange ex) throws Exception {
    if (!exact(ex, "/snapshot/latest")) {
      return;
    }
    List<SnapshotMetadata> chain = service.latest();
    ObjectNode n = JSON.createObjectNode();
    if (chain.isEmpty()) {
      n.putNull("full");
    } else {
      n.set("full", JSON.readTree(chain.get(0).toJson()));
    }
    ArrayNode deltas = n.putArray("deltas");
    for (SnapshotMetadata m : chain.subList(Math.min(1, chain.size()), chain.size())) {
      deltas.add(JSON.readTree(m.toJson()));
    }
    reply(ex, 200, JSON.writeValueAsBytes(n));
  }

  private void healthz(HttpExchange ex) throws IOException {
    Health h = service.health();
    ObjectNode n = JSON.createObjectNode();
    n.put("healthy", h.healthy());
    ArrayNode p = n.putArray("problems");
    h.problems().forEach(p::add);
    reply(ex, h.healthy() ? 200 : 503, JSON.writeValueAsBytes(n));
  }

  private void metrics(HttpExchange ex) throws IOException {
    byte[] body = service.metrics().scrape().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] json(SnapshotMetadata m) {
    return m.toJson();
  }

  private static byte[] error(String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", message);
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      return ("{\"error\":\"" + e + "\"}").getBytes(StandardCharsets.UTF_8);
    }
  }

  private static void reply(HttpExchange ex, int code, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
