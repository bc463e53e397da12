package dev.cairn.agent.membership;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * etcd's gRPC gateway (JSON over HTTP on every client URL, on by default in 3.4 and 3.5), for the
 * few calls jetcd 0.8.5 does not offer: MemberPromote, LeaseGrant with a chosen ID, LeaseLeases.
 * int64 fields travel as JSON strings.
 */
public final class EtcdGateway {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** etcd answered with an error: {@code code} is the gRPC status code (9 = FailedPrecondition). */
  public static final class GatewayException extends IOException {
    private final int grpcCode;
    private final int httpStatus;

    GatewayException(String message, int grpcCode, int httpStatus) {
      super(message);
      this.grpcCode = grpcCode;
      this.httpStatus = httpStatus;
    }

    public int grpcCode() {
      return grpcCode;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final HttpClient http;
  private final Duration timeout;

  public EtcdGateway(SSLContext tls, Duration timeout) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = b.build();
    this.timeout = timeout;
  }

  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** POSTs {@code body} to {@code <endpoint>/v3/<path>} and returns the JSON answer. */
  public JsonNode call(URI endpoint, String path, JsonNode body) throws IOException, InterruptedException {
    URI uri = endpoint.resolve("/v3/" + path);
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
    HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    JsonNode n;
    try {
      n = JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IOException("etcd at " + endpoint + " answered /v3/" + path + " with HTTP " + r.statusCode()
          + " and no JSON", e);
    }
    if (r.statusCode() != 200) {
      String msg = n.path("message").asText(n.path("error").asText("HTTP " + r.statusCode()));
      throw new GatewayException("etcd at " + endpoint + " refused /v3/" + path + ": " + msg,
          n.path("code").asInt(-1), r.statusCode());
    }
    return n;
  }

  /** MemberPromote: a learner becomes a voting member once it is in sync with the leader. */
  public JsonNode promote(URI endpoint, long memberId) throws IOException, InterruptedException {
    ObjectNode b = object();
    b.put("ID", Long.toUnsignedString(memberId));
    return call(endpoint, "cluster/member/promote", b);
  }

  /** LeaseGrant with a chosen ID; granting an ID that exists is not an error here. */
  public void grantLease(URI endpoint, long id, long ttlSeconds) throws IOException, InterruptedException {
    ObjectNode b = object();
    b.put("ID", Long.toString(id));
    b.put("TTL", Long.toString(ttlSeconds));
    try {
      call(endpoint, "lease/grant", b);
    } catch (GatewayException e) {
      if (!e.getMessage().contains("lease already exists")) {
        throw e;
      }
    }
  }

  /** LeaseLeases: every lease id the member holds. */
  public long[] leases(URI endpoint) throws IOException, InterruptedException {
    JsonNode n = call(endpoint, "lease/leases", object());
    JsonNode arr = n.path("leases");
    long[] out = new long[arr.size()];
    for (int i = 0; i < arr.size(); i++) {
      out[i] = Long.parseLong(arr.get(i).path("ID").asText("0"));
    }
    return out;
  }
}
