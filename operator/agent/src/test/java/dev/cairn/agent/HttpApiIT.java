package dev.cairn.agent;

import static dev.cairn.agent.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.etcd.MemberStatus;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The agent's HTTP API served by a real agent ({@link AgentServer}) on real etcd and S3 (S3Proxy). */
class HttpApiIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> ENV =
      Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);

  private static String s3Url(S3Server s3, String bucket) {
    return "s3://" + bucket + "/api?endpoint=" + s3.endpoint() + "&region=us-east-1";
  }

  /** A self-signed certificate for 127.0.0.1 (keytool), written as the PEM files the agent reads. */
  record Tls(Path cert, Path key, SSLContext client) {
    static Tls create(Path dir) throws Exception {
      Path ks = dir.resolve("agent.p12");
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair", "-alias", "agent", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
          "-dname", "CN=cairn-agent", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", ks.toString(),
          "-storetype", "PKCS12", "-storepass", "changeit").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed: " + out);
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(ks)) {
        store.load(in, "changeit".toCharArray());
      }
      Certificate cert = store.getCertificate("agent");
      PrivateKey key = (PrivateKey) store.getKey("agent", "changeit".toCharArray());
      Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes());
      Path certPem = Files.writeString(dir.resolve("tls.crt"),
          "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
      Path keyPem = Files.writeString(dir.resolve("tls.key"),
          "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("agent", cert);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return new Tls(certPem, keyPem, ctx);
    }
  }

  record Reply(int status, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  private static Reply call(HttpClient http, String base, String method, String path) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2))
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  private static String base(String scheme, InetSocketAddress a) {
    return scheme + "://127.0.0.1:" + a.getPort();
  }

  @Test
  void theLeadersAgentServesSnapshotsHealthAndMetricsOverTls() throws Exception {
    Path dir = TestDirs.create(HttpApiIT.class, "leader");
    Tls tls = Tls.create(dir);
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        S3Server s3 = S3Server.start(dir.resolve("s3"));
        Client c = etcd.client()) {
      String bucket = s3.createBucket();
      AgentConfig cfg = Harness.config(etcd.member(0).clientUrl(), s3Url(s3, bucket), dir.resolve("scratch"));
      cfg.deltaPeriod = Duration.ofHours(1); // deltas only when asked, so the test knows what each holds
      c.getKVClient().put(Harness.bs("first"), Harness.bs("1")).get(10, TimeUnit.SECONDS); // revision 2 to wait for
      Harness.FakeLeases leases = new Harness.FakeLeases();
      try (AgentServer agent = AgentServer.start(cfg,
          new AgentServer.HttpOptions(new InetSocketAddress("127.0.0.1", 0), tls.cert(), tls.key()), leases, ENV)) {
        HttpClient http = HttpClient.newBuilder().sslContext(tls.client()).connectTimeout(Duration.ofSeconds(10)).build();
        String api = base("https", agent.httpAddress());
        await("the agent's first full snapshot", WAIT,
            () -> agent.service().metrics().latestRevision(dev.cairn.agent.snapshot.SnapshotKind.FULL) > 0);

        Reply health = call(http, api, "GET", "/healthz");
        assertEquals(200, health.status(), health.body());
        assertTrue(health.json().get("healthy").asBoolean());
        assertEquals(0, health.json().get("problems").size());

        for (int i = 0; i < 10; i++) {
          c.getKVClient().put(Harness.bs("k" + i), Harness.bs("v" + i)).get(10, TimeUnit.SECONDS);
        }
        long rev = Harness.currentRevision(c);
        Reply full = call(http, api, "POST", "/snapshot/full");
        assertEquals(200, full.status(), full.body());
        assertEquals("Full", full.json().get("kind").asText());
        assertTrue(full.json().get("endRevision").asLong() >= rev);
        assertFalse(full.json().get("final").asBoolean());
        long fullEnd = full.json().get("endRevision").asLong();

        for (int i = 0; i < 5; i++) {
          c.getKVClient().put(Harness.bs("d" + i), Harness.bs("x")).get(10, TimeUnit.SECONDS);
        }
        long target = Harness.currentRevision(c);
        long deltaEnd = fullEnd;
        long events = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (deltaEnd < target) { // the watch delivers the puts a moment after they commit
          assertTrue(System.nanoTime() < deadline, "deltas did not reach revision " + target + " (at " + deltaEnd + ")");
          Reply delta = call(http, api, "GET", "/snapshot/delta");
          if (delta.status() == 200) {
            assertEquals("Delta", delta.json().get("kind").asText());
            assertEquals(deltaEnd + 1, delta.json().get("startRevision").asLong(), delta.body());
            deltaEnd = delta.json().get("endRevision").asLong();
            events += delta.json().get("eventCount").asLong();
          } else {
            assertEquals(204, delta.status(), delta.body());
            Thread.sleep(50);
          }
        }
        assertEquals(target, deltaEnd);
        assertEquals(5, events);
        Reply none = call(http, api, "POST", "/snapshot/delta");
        assertEquals(204, none.status(), "nothing buffered: " + none.body());

        Reply latest = call(http, api, "GET", "/snapshot/latest");
        assertEquals(200, latest.status(), latest.body());
        assertEquals(fullEnd, latest.json().get("full").get("endRevision").asLong());
        JsonNode deltas = latest.json().get("deltas");
        assertTrue(deltas.size() >= 1);
        assertEquals(deltaEnd, deltas.get(deltas.size() - 1).get("endRevision").asLong());
        try (BackupStore store = new S3Store(StoreUrl.parse(s3Url(s3, bucket)).s3().orElseThrow(),
            S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY))) {
          assertEquals(deltas.size() + 1, SnapshotCatalog.of(store.listAll()).newestChain().size());
        }

        Reply metrics = call(http, api, "GET", "/metrics");
        assertEquals(200, metrics.status());
        String m = metrics.body();
        for (String expected : new String[] {
            "cairn_agent_snapshot_latest_revision{kind=\"full\"} " + fullEnd,
            "cairn_agent_snapshot_latest_revision{kind=\"delta\"} " + deltaEnd, "cairn_agent_leader 1.0",
            "cairn_agent_healthy 1.0", "cairn_agent_delta_events_total 5.0",
            "cairn_agent_snapshot_duration_seconds_count{kind=\"full\"}",
            "cairn_agent_snapshot_size_bytes_count{kind=\"delta\"}", "cairn_agent_delta_lag_seconds"}) {
          assertTrue(m.contains(expected), "metrics lack " + expected + ":\n" + m);
        }
        assertFalse(m.contains(S3Server.SECRET_KEY) || m.contains(S3Server.ACCESS_KEY), "credentials in metrics");

        assertEquals(404, call(http, api, "GET", "/snapshot/nothing").status());
        assertEquals(404, call(http, api, "GET", "/nope").status());
        assertEquals(405, call(http, api, "DELETE", "/snapshot/full").status());

        Reply fin = call(http, api, "POST", "/snapshot/full?final=true");
        assertEquals(200, fin.status(), fin.body());
        assertTrue(fin.json().get("final").asBoolean());
        Reply after = call(http, api, "POST", "/snapshot/full");
        assertEquals(409, after.status(), after.body());
        assertTrue(after.json().get("error").asText().contains("hibernating"), after.body());
        assertEquals(409, call(http, api, "POST", "/snapshot/delta").status());

        // TLS is on: plain HTTP to the same port gets no answer from the API.
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertThrows(IOException.class, () -> call(plain, base("http", agent.httpAddress()), "GET", "/healthz"));
      }
    }
  }

  @Test
  void aFollowersAgentRefusesSnapshotsWith409AndReports503WhenItsEtcdStops() throws Exception {
    Path dir = TestDirs.create(HttpApiIT.class, "follower");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 3); S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      int follower = -1;
      for (int i = 0; i < 3 && follower < 0; i++) {
        try (EtcdNode n = new EtcdNode(etcd.member(i).clientUrl(), Duration.ofSeconds(10))) {
          MemberStatus s = n.status();
          if (!s.isLeader()) {
            follower = i;
          }
        }
      }
      assertTrue(follower >= 0, "no follower in a 3-member cluster");
      AgentConfig cfg = Harness.config(etcd.member(follower).clientUrl(), s3Url(s3, s3.createBucket()),
          dir.resolve("scratch"));
      try (AgentServer agent = AgentServer.start(cfg,
          new AgentServer.HttpOptions(new InetSocketAddress("127.0.0.1", 0), null, null), new Harness.FakeLeases(), ENV)) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String api = base("http", agent.httpAddress());
        await("the control loop saw etcd", WAIT, () -> agent.service().health().healthy());
        Reply full = call(http, api, "POST", "/snapshot/full");
        assertEquals(409, full.status(), full.body());
        assertTrue(full.json().get("error").asText().contains("not the etcd leader"), full.body());
        assertEquals(409, call(http, api, "GET", "/snapshot/delta").status());
        assertEquals(200, call(http, api, "GET", "/healthz").status(), "a follower's agent is healthy");
        assertTrue(call(http, api, "GET", "/metrics").body().contains("cairn_agent_leader 0.0"));

        etcd.member(follower).kill();
        await("/healthz 503 once etcd is gone", WAIT, () -> {
          try {
            return call(http, api, "GET", "/healthz").status() == 503;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        Reply down = call(http, api, "GET", "/healthz");
        assertFalse(down.json().get("healthy").asBoolean());
        assertTrue(down.json().get("problems").get(0).asText().contains(etcd.member(follower).clientUrl().toString()),
            down.body());
        assertTrue(call(http, api, "GET", "/metrics").body().contains("cairn_agent_healthy 0.0"));
      }
    }
  }

  @Test
  void withoutAStoreTheAgentRenewsItsLeaseIsReadyAndRefusesSnapshotsWith409() throws Exception {
    Path dir = TestDirs.create(HttpApiIT.class, "nostore");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1)) {
      AgentConfig cfg = Harness.config(etcd.member(0).clientUrl(), "file:///unused", dir.resolve("scratch"));
      cfg.store = null; // an Etcd without spec.backup: no --store
      Harness.FakeLeases leases = new Harness.FakeLeases();
      try (AgentServer agent = AgentServer.start(cfg,
          new AgentServer.HttpOptions(new InetSocketAddress("127.0.0.1", 0), null, null), leases, Map.of())) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String api = base("http", agent.httpAddress());
        await("a member Lease renewal", WAIT, () -> !leases.member.isEmpty());
        assertTrue(leases.member.get(0).endsWith(":Leader"), leases.member.toString());
        Reply ready = call(http, api, "GET", "/readyz");
        assertEquals(200, ready.status(), ready.body());
        assertTrue(ready.json().get("ready").asBoolean());
        Reply health = call(http, api, "GET", "/healthz");
        assertEquals(200, health.status(), health.body());
        for (String path : new String[] {"/snapshot/full", "/snapshot/delta", "/snapshot/latest"}) {
          Reply r = call(http, api, "GET", path);
          assertEquals(409, r.status(), path + ": " + r.body());
          assertTrue(r.json().get("error").asText().contains(SnapshotService.BACKUPS_NOT_CONFIGURED), r.body());
        }
        assertFalse(agent.service().isActive(), "no snapshotting without a store");
        assertTrue(agent.service().collectGarbage().isEmpty(), "no GC without a store");
      }
    }
  }
}
