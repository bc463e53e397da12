package dev.cairn.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Puts and gets through etcd's JSON gateway (/v3/kv/...), enough to prove that data survived. */
final class EtcdHttp {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private EtcdHttp() {}

  static void put(String ip, String key, String value) {
    post(ip, "/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
  }

  /** The value, or null when the key does not exist. */
  static String get(String ip, String key) {
    JsonNode r = post(ip, "/v3/kv/range", "{\"key\":\"" + b64(key) + "\"}");
    JsonNode kvs = r.get("kvs");
    if (kvs == null || kvs.isEmpty()) {
      return null;
    }
    return new String(Base64.getDecoder().decode(kvs.get(0).get("value").asText()), StandardCharsets.UTF_8);
  }

  static boolean healthy(String ip) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":2379/health"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static JsonNode post(String ip, String path, String body) {
    try {
      HttpResponse<String> r = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://" + ip + ":2379" + path)).timeout(Duration.ofSeconds(5))
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
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
}
