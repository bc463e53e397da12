package dev.cairn.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * etcd's JSON gateway ({@code /v3/kv/...} on the client port): puts, linearizable reads of a
 * prefix, and reads of a prefix as it was at a past revision. Plain HTTP, as the local clusters
 * here run without client TLS.
 */
final class Kv {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private Kv() {}

  /** Puts; returns the revision of the write once etcd acknowledged it, or throws. */
  static long put(String ip, String key, String value) {
    ObjectNode body = JSON.createObjectNode().put("key", b64(key)).put("value", b64(value));
    return post(ip, "/v3/kv/put", body, Duration.ofSeconds(5)).path("header").path("revision").asLong();
  }

  /**
   * Puts, retried like a read when etcd is between leaders: only for a write whose repetition
   * changes nothing the test checks (the same value again, no acknowledgement counted).
   */
  static long putIdempotent(String ip, String key, String value) {
    ObjectNode body = JSON.createObjectNode().put("key", b64(key)).put("value", b64(value));
    return retrying(ip, "/v3/kv/put", body, Duration.ofSeconds(5)).path("header").path("revision").asLong();
  }

  /** Every key under {@code prefix} with its value (linearizable), read from this member. */
  static Map<String, String> prefix(String ip, String prefix) {
    return prefixAt(ip, prefix, 0);
  }

  /**
   * Every key under {@code prefix} as this member has it, without asking the leader (a serializable
   * read): answers without quorum.
   */
  static Map<String, String> prefixLocal(String ip, String prefix) {
    return range(ip, prefix, 0, true);
  }

  /** Every key under {@code prefix} with its value as of {@code revision} (0: now). */
  static Map<String, String> prefixAt(String ip, String prefix, long revision) {
    return range(ip, prefix, revision, false);
  }

  private static Map<String, String> range(String ip, String prefix, long revision, boolean serializable) {
    ObjectNode body = JSON.createObjectNode().put("key", b64(prefix)).put("range_end", b64(rangeEnd(prefix)));
    if (serializable) {
      body.put("serializable", true);
    }
    if (revision > 0) {
      body.put("revision", revision);
    }
    return kvs(read(ip, body, Duration.ofSeconds(20)));
  }

  /** The whole keyspace as of {@code revision} (0: now). */
  static Map<String, String> all(String ip, long revision) {
    ObjectNode body = JSON.createObjectNode().put("key", b64("\0")).put("range_end", b64("\0"));
    if (revision > 0) {
      body.put("revision", revision);
    }
    return kvs(read(ip, body, Duration.ofSeconds(20)));
  }

  private static Map<String, String> kvs(JsonNode r) {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode kv : r.path("kvs")) {
      out.put(unb64(kv.get("key").asText()), kv.has("value") ? unb64(kv.get("value").asText()) : "");
    }
    return out;
  }

  /** The member's current revision (from a range header). */
  static long revision(String ip) {
    ObjectNode body = JSON.createObjectNode().put("key", b64("\0")).put("limit", 1);
    return read(ip, body, Duration.ofSeconds(5)).path("header").path("revision").asLong();
  }

  /**
   * A range, retried for a while when etcd answers that it is between leaders. A member that was
   * ready a moment ago can still be in an election (the last of a rolling restart, say), and
   * clientv3 retries such reads by itself; a read has no side effect, so doing the same here is
   * safe. {@link #put} is not retried: a put that failed with "leader changed" may still have
   * been applied, and the writers here count what was acknowledged.
   */
  private static JsonNode read(String ip, JsonNode body, Duration timeout) {
    return retrying(ip, "/v3/kv/range", body, timeout);
  }

  private static JsonNode retrying(String ip, String path, JsonNode body, Duration timeout) {
    long deadline = System.nanoTime() + TRANSIENT_RETRY.toNanos();
    while (true) {
      try {
        return post(ip, path, body, timeout);
      } catch (TransientEtcdError e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(e.getMessage() + " (still after retrying for " + TRANSIENT_RETRY + ")", e);
        }
        try {
          Thread.sleep(250);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", ie);
        }
      }
    }
  }

  private static final Duration TRANSIENT_RETRY = Duration.ofSeconds(30);

  /** etcd's gRPC Unavailable (code 14), sent as HTTP 503: no leader, leader changed, and the like. */
  static final class TransientEtcdError extends IllegalStateException {
    TransientEtcdError(String message) {
      super(message);
    }
  }

  private static String rangeEnd(String prefix) {
    byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
    b[b.length - 1]++;
    return new String(b, StandardCharsets.UTF_8);
  }

  private static JsonNode post(String ip, String path, JsonNode body, Duration timeout) {
    try {
      HttpResponse<String> r = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://" + ip + ":2379" + path)).timeout(timeout)
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 503) {
        throw new TransientEtcdError("etcd at " + ip + " answered 503 to " + path + ": " + r.body());
      }
      if (r.statusCode() != 200) {
        throw new IllegalStateException("etcd at " + ip + " answered " + r.statusCode() + " to " + path + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("etcd at " + ip + " is unreachable for " + path + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String unb64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }
}
