package dev.cairn.controller.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** {@link AgentClient} over the JDK HTTP client; HTTPS trusts only the agent TLS Secret's CA. */
public final class HttpAgentClient implements AgentClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Duration connectTimeout;

  public HttpAgentClient(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  public HttpAgentClient() {
    this(Duration.ofSeconds(5));
  }

  @Override
  public Snapshot finalFullSnapshot(Target target, Duration timeout) throws AgentException {
    URI uri = target.baseUrl().resolve("/snapshot/full?final=true");
    HttpClient.Builder cb = HttpClient.newBuilder().connectTimeout(connectTimeout);
    if (target.caPem() != null) {
      cb.sslContext(trusting(target));
    }
    HttpClient http = cb.build();
    HttpRequest req = authorized(HttpRequest.newBuilder(uri), target).timeout(timeout)
        .POST(HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AgentException("the agent at " + target + " did not answer the final snapshot request: " + e
          + ". Check that the leader's agent runs and its port is reachable from the operator.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException("interrupted while waiting for the final snapshot from " + target, e);
    }
    if (resp.statusCode() != 200) {
      throw new AgentException("the agent at " + target + " refused the final snapshot: HTTP " + resp.statusCode()
          + " " + abbreviate(resp.body()));
    }
    try {
      JsonNode n = JSON.readTree(resp.body());
      return new Snapshot(n.path("object").asText(""), n.path("endRevision").asLong(-1),
          n.hasNonNull("createdAt") ? Instant.parse(n.get("createdAt").asText()) : null);
    } catch (IOException | RuntimeException e) {
      throw new AgentException("the agent at " + target + " answered the final snapshot with unreadable JSON: "
          + abbreviate(resp.body()), e);
    }
  }

  @Override
  public MemberReport memberStatus(Target target, Duration timeout) throws AgentException {
    HttpResponse<String> resp = send(target, "GET", "/member/status", timeout, "member status");
    if (resp.statusCode() != 200) {
      throw new AgentException("the agent at " + target + " refused the member status: HTTP " + resp.statusCode()
          + " " + abbreviate(resp.body()));
    }
    try {
      JsonNode n = JSON.readTree(resp.body());
      if (n == null || !n.isObject() || !n.has("revision")) {
        throw new IOException("no revision");
      }
      return new MemberReport(n.hasNonNull("memberID") ? n.get("memberID").asText() : null,
          n.hasNonNull("clusterID") ? n.get("clusterID").asText() : null, n.path("revision").asLong(-1),
          n.path("etcdRunning").asBoolean(false), n.path("dataDirPresent").asBoolean(false),
          n.hasNonNull("problem") ? n.get("problem").asText() : null);
    } catch (IOException | RuntimeException e) {
      throw new AgentException("the agent at " + target + " answered the member status with unreadable JSON: "
          + abbreviate(resp.body()), e);
    }
  }

  @Override
  public java.util.Optional<Directive> directive(Target target, Duration timeout) throws AgentException {
    HttpResponse<String> resp = send(target, "GET", "/initialization/directive", timeout, "directive request");
    JsonNode n;
    try {
      n = JSON.readTree(resp.body());
    } catch (IOException | RuntimeException e) {
      n = null;
    }
    // 404 means "none held" only with the agent's own words; any other 404 (initialisation not
    // enabled, an agent without the endpoint) is not an answer about the directive.
    if (resp.statusCode() == 404 && n != null && "no directive".equals(n.path("error").asText())) {
      return java.util.Optional.empty();
    }
    if (resp.statusCode() != 200) {
      throw new AgentException("the agent at " + target + " refused the directive request: HTTP " + resp.statusCode()
          + " " + abbreviate(resp.body()));
    }
    if (n == null || !n.isObject() || !n.hasNonNull("id") || !n.hasNonNull("state")) {
      throw new AgentException("the agent at " + target + " answered the directive request with unreadable JSON: "
          + abbreviate(resp.body()));
    }
    return java.util.Optional.of(new Directive(n.get("id").asText(), n.path("action").asText(null),
        n.get("state").asText(), n.hasNonNull("message") ? n.get("message").asText() : null));
  }

  @Override
  public java.util.Optional<Snapshot> snapshot(Target target, boolean full, boolean finalSnapshot, Duration timeout)
      throws AgentException {
    String path = full ? "/snapshot/full" + (finalSnapshot ? "?final=true" : "") : "/snapshot/delta";
    String what = (full ? "full" : "delta") + " snapshot request";
    HttpResponse<String> resp = send(target, "POST", path, timeout, what);
    if (!full && resp.statusCode() == 204) {
      return java.util.Optional.empty();
    }
    if (resp.statusCode() != 200) {
      throw new AgentException("the agent at " + target + " refused the " + what + ": HTTP " + resp.statusCode()
          + " " + abbreviate(resp.body()));
    }
    try {
      JsonNode n = JSON.readTree(resp.body());
      return java.util.Optional.of(new Snapshot(n.path("object").asText(""), n.path("endRevision").asLong(-1),
          n.hasNonNull("createdAt") ? Instant.parse(n.get("createdAt").asText()) : null));
    } catch (IOException | RuntimeException e) {
      throw new AgentException("the agent at " + target + " answered the " + what + " with unreadable JSON: "
          + abbreviate(resp.body()), e);
    }
  }

  private HttpResponse<String> send(Target target, String method, String path, Duration timeout, String what)
      throws AgentException {
    HttpClient.Builder cb = HttpClient.newBuilder().connectTimeout(connectTimeout);
    if (target.caPem() != null) {
      cb.sslContext(trusting(target));
    }
    HttpRequest.Builder rb = HttpRequest.newBuilder(target.baseUrl().resolve(path));
    if (!"GET".equals(method)) {
      authorized(rb, target);
    }
    HttpRequest req = rb.timeout(timeout).method(method, HttpRequest.BodyPublishers.noBody()).build();
    try {
      return cb.build().send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AgentException("the agent at " + target + " did not answer the " + what + ": " + e
          + ". Check that the agent runs and its port is reachable from the operator.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException("interrupted while waiting for the " + what + " from " + target, e);
    }
  }

  // Only with requests that act: the reads need none, and without agent TLS a token sent along with
  // every member-status call would cross the network more often than it must.
  private static HttpRequest.Builder authorized(HttpRequest.Builder b, Target target) {
    if (target.token() != null) {
      b.header("Authorization", "Bearer " + target.token());
    }
    return b;
  }

  private static SSLContext trusting(Target target) throws AgentException {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(target.caPem()))) {
        ks.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new AgentException("cannot read ca.crt of the agent TLS Secret for " + target + ": " + e.getMessage(), e);
    }
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
