package dev.cairn.agent.init;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.cairn.datadir.validation.ValidationMode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initialisation endpoints of the agent API (seed 001):
 *
 * <ul>
 *   <li>{@code POST|GET /initialization/start?mode=full|sanity}: 202 and the status; starts a run unless
 *       one is in progress (the mode comes from the wrapper, which reads the exit marker)
 *   <li>{@code GET /initialization/status}: {@code {"state":"New|Progress|Successful|Failed","reason":...,
 *       "mode":...,"validation":...,"action":...,"promotion":...}}
 *   <li>{@code GET /config}: the member's etcd config file (YAML) once Successful, else 409
 *   <li>{@code POST /initialization/directive}: the operator's one-shot restore / forceNewCluster
 *       ({@link DirectiveFile}); {@code GET} shows it and its outcome
 * </ul>
 */
public final class InitHttp {

  private static final Logger LOG = LoggerFactory.getLogger(InitHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private InitHttp() {}

  /** Registers the endpoints; with a null initialiser they answer 404 with how to enable them. */
  public static void register(BiConsumer<String, HttpHandler> server, Initializer init) {
    server.accept("/initialization/", ex -> handle(ex, init));
    server.accept("/config", ex -> handle(ex, init));
  }

  private static void handle(HttpExchange ex, Initializer init) {
    try (ex) {
      try {
        route(ex, init);
      } catch (IOException e) {
        reply(ex, 400, error(e.getMessage()));
      } catch (RuntimeException e) {
        LOG.warn("{} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        reply(ex, 500, error(String.valueOf(e.getMessage())));
      }
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.toString());
    }
  }

  private static void route(HttpExchange ex, Initializer init) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (init == null) {
      reply(ex, 404, error("initialisation is not enabled on this agent: give it --data-dir and"
          + " --etcd-config-template (CAIRN_DATA_DIR, CAIRN_ETCD_CONFIG)"));
      return;
    }
    switch (path) {
      case "/initialization/start" -> {
        ValidationMode mode = mode(ex.getRequestURI().getQuery());
        reply(ex, 202, status(init.start(mode)));
      }
      case "/initialization/status" -> reply(ex, 200, status(init.status()));
      case "/initialization/directive" -> {
        if (ex.getRequestMethod().equals("POST")) {
          DirectiveFile.Directive d = DirectiveFile.parse(ex.getRequestBody().readAllBytes());
          d = init.directives().submit(d);
          LOG.info("operator directive {} ({}) stored for the next initialisation", d.id(), d.action());
          reply(ex, 202, JSON.writeValueAsBytes(d.toJson()));
        } else {
          DirectiveFile.Directive d = init.directives().read();
          if (d == null) {
            reply(ex, 404, error("no directive"));
          } else {
            reply(ex, 200, JSON.writeValueAsBytes(d.toJson()));
          }
        }
      }
      case "/config" -> {
        String c = init.config();
        if (c == null) {
          Initializer.Status s = init.status();
          reply(ex, 409, error("no config yet: initialisation is " + s.state() + " (" + s.reason() + ")"));
        } else {
          byte[] b = c.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/yaml; charset=utf-8");
          ex.sendResponseHeaders(200, b.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
          }
        }
      }
      default -> reply(ex, 404, error("no such endpoint " + path));
    }
  }

  private static ValidationMode mode(String query) throws IOException {
    if (query == null) {
      return null;
    }
    for (String p : query.split("&")) {
      if (p.startsWith("mode=")) {
        String v = p.substring(5).toLowerCase(Locale.ROOT);
        return switch (v) {
          case "full" -> ValidationMode.FULL;
          case "sanity" -> ValidationMode.SANITY;
          case "", "auto" -> null;
          default -> throw new IOException("unknown mode '" + v + "': use full or sanity");
        };
      }
    }
    return null;
  }

  static byte[] status(Initializer.Status s) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("state", s.state().name());
    n.put("reason", s.reason());
    n.put("mode", s.mode());
    n.put("validation", s.validation());
    n.put("action", s.action());
    n.put("promotion", s.promotion());
    return JSON.writeValueAsBytes(n);
  }

  private static byte[] error(String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", message);
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      return "{}".getBytes(StandardCharsets.UTF_8);
    }
  }

  private static void reply(HttpExchange ex, int code, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
