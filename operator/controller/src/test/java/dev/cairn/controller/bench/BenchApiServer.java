package dev.cairn.controller.bench;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.testkit.ApiServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The benchmark's API server, in its own JVM so the operator's heap is measured alone: the CRUD mock
 * server with cairn's CRDs, plus a control endpoint ({@code GET /writes} count, {@code POST /reset}).
 * Prints {@code api=<url> control=<url>} and runs until killed.
 */
public final class BenchApiServer {

  private BenchApiServer() {}

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    ApiServer api = ApiServer.start();
    HttpServer control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    control.createContext("/writes", ex -> {
      byte[] b = (api.writeCount() + "\n").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(b);
      }
    });
    control.createContext("/sample", ex -> {
      // A few of the writes seen, to tell what wrote when the count is not zero.
      var w = api.writes();
      byte[] b = (String.join("\n", w.subList(0, Math.min(20, w.size()))) + "\n").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(b);
      }
    });
    control.createContext("/reset", ex -> {
      api.resetWrites();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    control.start();
    System.out.println("api=" + api.url() + " control=http://127.0.0.1:" + control.getAddress().getPort());
    System.out.flush();
    Thread.currentThread().join();
  }
}
