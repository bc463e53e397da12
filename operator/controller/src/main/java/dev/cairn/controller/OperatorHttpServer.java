package dev.cairn.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** The operator's HTTP endpoints: {@code /metrics} (Prometheus), {@code /healthz} (liveness), {@code /readyz}. */
final class OperatorHttpServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;

  OperatorHttpServer(InetSocketAddress bind, PrometheusMeterRegistry registry, BooleanSupplier live,
      BooleanSupplier ready) throws IOException {
    server = HttpServer.create(bind, 16);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "cairn-operator-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.createContext("/healthz", ex -> check(ex, live));
    server.createContext("/readyz", ex -> check(ex, ready));
    server.createContext("/", ex -> reply(ex, 404, "text/plain", "no such endpoint; try /metrics, /healthz, /readyz\n"));
  }

  void start() {
    server.start();
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  private static void check(HttpExchange ex, BooleanSupplier check) throws IOException {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    reply(ex, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "not ok\n");
  }

  private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
