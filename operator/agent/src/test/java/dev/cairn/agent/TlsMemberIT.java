package dev.cairn.agent;

import static dev.cairn.agent.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.agent.init.InitOptions;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.wrapper.EtcdWrapper;
import dev.cairn.agent.wrapper.InitClient;
import dev.cairn.testkit.Ports;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.TestCerts;
import dev.cairn.testkit.TestCerts.KeyEncoding;
import dev.cairn.testkit.TestDirs;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * One member run the way its pod runs it, with every TLS switch on: etcd 3.4 started by the wrapper
 * from the config the agent rendered (client and peer TLS, client-cert-auth on both), the agent
 * reaching etcd with the client TLS Secret and serving its API over HTTPS, the wrapper reaching the
 * agent over HTTPS with {@code --agent-ca}. The TLS directories are laid out and updated the way the
 * kubelet mounts Secrets ({@link TestCerts#writeSecretDir}).
 */
class TlsMemberIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> DNS = TestCerts.LOOPBACK_DNS;
  private static final List<String> IPS = TestCerts.LOOPBACK_IPS;

  /** The pod: TLS directories, the agent, and the wrapper running etcd (restartable, as its container is). */
  private static final class Member implements AutoCloseable {
    final Path dir;
    final Path clientTls;
    final Path peerTls;
    final Path agentTls;
    final int clientPort = Ports.free();
    final int peerPort = Ports.free();
    AgentServer agent;
    EtcdWrapper wrapper;
    Thread wrapperThread;
    final AtomicReference<Object> wrapperResult = new AtomicReference<>();
    final AtomicInteger wrapperRuns = new AtomicInteger();

    Member(Path dir, TestCerts.Ca ca, KeyEncoding encoding, TestCerts.KeyType clientKey) {
      this.dir = dir;
      clientTls = TestCerts.writeSecretDir(dir.resolve("tls/client"), ca.issue("etcd-client", DNS, IPS, clientKey),
          encoding, ca);
      peerTls = TestCerts.writeSecretDir(dir.resolve("tls/peer"), ca.issue("etcd-peer", DNS, IPS), encoding, ca);
      agentTls = TestCerts.writeSecretDir(dir.resolve("tls/agent"), ca.issue("agent", DNS, IPS), encoding, ca);
    }

    URI etcdUrl() {
      return URI.create("https://127.0.0.1:" + clientPort);
    }

    URI agentUrl() {
      return URI.create("https://127.0.0.1:" + agent.httpAddress().getPort());
    }

    void startAgent() throws Exception {
      // The template as the operator's ConfigRenderer writes it with clientTLS and peerTLS set.
      Path template = Files.writeString(dir.resolve("etcd-template.yaml"),
          "initial-cluster: m0=https://127.0.0.1:" + peerPort + "\n"
              + "initial-cluster-token: cairn-tls-test\n"
              + "heartbeat-interval: 100\nelection-timeout: 1000\n"
              + "client-transport-security:\n  client-cert-auth: true\n"
              + "peer-transport-security:\n  client-cert-auth: true\n");
      AgentConfig cfg = Harness.config(etcdUrl(), "file://" + dir.resolve("store"), dir.resolve("scratch"));
      cfg.memberName = "m0";
      cfg.deltaPeriod = null;
      cfg.init = new InitOptions(dir.resolve("data"), template, null, clientTls, peerTls, "c", clientPort, peerPort,
          null, Duration.ofSeconds(1), Duration.ofMillis(300), null);
      Map<String, String> env = Map.of("POD_NAME", "m0", "POD_NAMESPACE", "ns", "POD_IP", "127.0.0.1",
          "CAIRN_LOCAL_MODE", "true");
      agent = AgentServer.start(cfg, new AgentServer.HttpOptions(new InetSocketAddress("127.0.0.1", 0),
          agentTls.resolve("tls.crt"), agentTls.resolve("tls.key")), LeasePort.NONE, env);
    }

    /** Starts the wrapper (a new etcd container start) in a thread; it returns when etcd exits. */
    void startWrapper() throws IOException {
      HttpClient http = EtcdWrapper.httpClient(agentUrl(), agentTls.resolve("ca.crt"));
      wrapper = new EtcdWrapper(new EtcdWrapper.Options(new InitClient(agentUrl(), http), dir.resolve("data"),
          Prerequisites.etcd().toString(), dir.resolve("run/etcd.conf.yaml"), List.of(), Duration.ofMillis(200),
          Duration.ofMinutes(3), Duration.ofSeconds(20)));
      EtcdWrapper w = wrapper;
      wrapperResult.set(null);
      wrapperThread = new Thread(() -> {
        try {
          wrapperResult.set(w.run());
        } catch (Exception e) {
          wrapperResult.set(e);
        }
      }, "wrapper-" + wrapperRuns.incrementAndGet());
      wrapperThread.start();
    }

    void stopWrapper() throws InterruptedException {
      if (wrapper != null) {
        wrapper.stop();
        wrapperThread.join(60_000);
      }
    }

    /** The agent's member report, over HTTPS trusting the agent Secret's CA as it is now. */
    JsonNode memberStatus() throws Exception {
      HttpResponse<String> r = https(TestCerts.clientContext(agentTls)).send(
          HttpRequest.newBuilder(agentUrl().resolve("/member/status")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), "/member/status: " + r.body());
      return JSON.readTree(r.body());
    }

    void awaitEtcdRunning(String what) throws Exception {
      AtomicReference<String> last = new AtomicReference<>("nothing yet");
      try {
        await(what + " (agent reports etcd running through its client TLS connection)", WAIT, () -> {
          if (wrapperResult.get() != null) {
            throw new AssertionError("the wrapper ended with " + wrapperResult.get());
          }
          try {
            JsonNode n = memberStatus();
            last.set(n.toString());
            return n.path("etcdRunning").asBoolean(false);
          } catch (Exception e) {
            last.set(e.toString());
            return false;
          }
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; last answer: " + last.get(), e);
      }
    }

    @Override
    public void close() throws Exception {
      try {
        stopWrapper();
      } finally {
        if (agent != null) {
          agent.close();
        }
      }
    }
  }

  private static HttpClient https(SSLContext ctx) {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(ctx).build();
  }

  @Test
  void memberRunsWithClientPeerAndAgentTlsAndTheAgentSnapshotsOverClientTls() throws Exception {
    Path dir = TestDirs.create(TlsMemberIT.class, "member");
    TestCerts.Ca ca = TestCerts.ca("cairn test CA");
    // Traditional key encodings (PKCS#1 for the RSA client certificate, SEC1 for the EC ones) are what
    // cert-manager writes by default.
    try (Member m = new Member(dir, ca, KeyEncoding.TRADITIONAL, TestCerts.KeyType.RSA)) {
      m.startAgent();
      m.startWrapper();
      m.awaitEtcdRunning("the member to start");

      String config = Files.readString(dir.resolve("run/etcd.conf.yaml"));
      assertTrue(config.contains("cert-file: \"" + m.clientTls.resolve("tls.crt") + "\"")
          || config.contains("cert-file: " + m.clientTls.resolve("tls.crt")), "client cert-file in\n" + config);
      assertTrue(config.contains("client-cert-auth: true"), "client-cert-auth in\n" + config);

      // etcd really demands a client certificate: the same CA without one is refused.
      SSLContext noCert = clientWithoutCertificate(m.clientTls);
      assertThrows(IOException.class, () -> https(noCert).send(
          HttpRequest.newBuilder(m.etcdUrl().resolve("/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()), "etcd answered a client without a certificate");

      JsonNode status = m.memberStatus();
      assertTrue(status.path("revision").asLong() > 0, "revision in " + status);
      assertTrue(!status.path("memberID").asText("").isEmpty(), "memberID in " + status);

      // /member/status answers as soon as etcd runs; the snapshotter activates at its next heartbeat.
      await("the agent to take snapshots as the leader's agent", WAIT, () -> m.agent.service().isActive());
      HttpResponse<String> snap = https(TestCerts.clientContext(m.agentTls)).send(
          HttpRequest.newBuilder(m.agentUrl().resolve("/snapshot/full")).timeout(Duration.ofMinutes(2))
              .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, snap.statusCode(), "full snapshot over the agent's client TLS connection: " + snap.body());
      String object = JSON.readTree(snap.body()).path("object").asText();
      assertTrue(!object.isEmpty(), "no object in " + snap.body());
      assertTrue(m.agent.service().latest().stream()
              .anyMatch(s -> object.equals(parse(s.toJson()).path("object").asText())),
          "the store does not list the snapshot " + object);
    } finally {
      TestDirs.deleteRecursively(dir);
    }
  }

  @Test
  void rotatedCertificatesAreUsedWithoutRestartingTheAgent() throws Exception {
    Path dir = TestDirs.create(TlsMemberIT.class, "rotation");
    TestCerts.Ca ca1 = TestCerts.ca("cairn test CA 1");
    try (Member m = new Member(dir, ca1, KeyEncoding.PKCS8, TestCerts.KeyType.EC)) {
      m.startAgent();
      m.startWrapper();
      m.awaitEtcdRunning("the member to start");
      BigInteger etcdSerial0 = served(m.clientPort, m.clientTls).getSerialNumber();
      BigInteger agentSerial0 = served(m.agent.httpAddress().getPort(), m.agentTls).getSerialNumber();

      // Step 1: certificates renewed by the same CA, and the CA bundle grows a second CA (the first step
      // of a CA rotation). Nothing restarts.
      TestCerts.Ca ca2 = TestCerts.ca("cairn test CA 2");
      TestCerts.Leaf etcd1 = ca1.issue("etcd-client", DNS, IPS);
      TestCerts.Leaf agent1 = ca1.issue("agent", DNS, IPS);
      TestCerts.writeSecretDir(m.clientTls, etcd1, KeyEncoding.PKCS8, ca1, ca2);
      TestCerts.writeSecretDir(m.agentTls, agent1, KeyEncoding.PKCS8, ca1, ca2);
      assertNotEquals(etcdSerial0, etcd1.serial());
      assertNotEquals(agentSerial0, agent1.serial());
      await("etcd to serve the renewed certificate (serial " + etcd1.serial().toString(16) + ") on a new connection",
          WAIT, () -> etcd1.serial().equals(servedOrNull(m.clientPort, m.clientTls)));
      await("the agent to serve its renewed certificate (serial " + agent1.serial().toString(16) + ")", WAIT,
          () -> agent1.serial().equals(servedOrNull(m.agent.httpAddress().getPort(), m.agentTls)));
      assertTrue(m.memberStatus().path("etcdRunning").asBoolean(), "agent lost etcd after step 1");

      // Step 2: everything re-issued by the new CA and the old CA dropped. etcd reads its CA bundle only
      // at start, so its container restarts (wrapper and etcd); the agent keeps running and has to
      // present a certificate of the new CA and trust etcd's new one on its next connection.
      TestCerts.Leaf etcd2 = ca2.issue("etcd-client", DNS, IPS);
      TestCerts.Leaf agent2 = ca2.issue("agent", DNS, IPS);
      TestCerts.writeSecretDir(m.clientTls, etcd2, KeyEncoding.PKCS8, ca2);
      TestCerts.writeSecretDir(m.peerTls, ca2.issue("etcd-peer", DNS, IPS), KeyEncoding.PKCS8, ca2);
      TestCerts.writeSecretDir(m.agentTls, agent2, KeyEncoding.PKCS8, ca2);
      await("the agent to serve the certificate of the new CA", WAIT,
          () -> agent2.serial().equals(servedOrNull(m.agent.httpAddress().getPort(), m.agentTls)));
      m.stopWrapper();
      m.startWrapper(); // trusts only the new CA now (agentTls/ca.crt)
      m.awaitEtcdRunning("the restarted etcd to be reached by the same agent with the new CA's certificate");
      assertEquals(etcd2.serial(), served(m.clientPort, m.clientTls).getSerialNumber());
      // Proof that the old material is really gone from etcd's side: a client of the old CA is refused.
      Path old = TestCerts.writeSecretDir(dir.resolve("tls/old-client"), ca1.issue("old", DNS, IPS),
          KeyEncoding.PKCS8, ca1, ca2);
      assertThrows(IOException.class, () -> https(TestCerts.clientContext(old)).send(
          HttpRequest.newBuilder(m.etcdUrl().resolve("/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()), "etcd accepted a client certificate of the dropped CA");

      await("the agent to take snapshots again", WAIT, () -> m.agent.service().isActive());
      HttpResponse<String> snap = https(TestCerts.clientContext(m.agentTls)).send(
          HttpRequest.newBuilder(m.agentUrl().resolve("/snapshot/full")).timeout(Duration.ofMinutes(2))
              .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, snap.statusCode(), "full snapshot after the rotation: " + snap.body());
    } finally {
      TestDirs.deleteRecursively(dir);
    }
  }

  @Test
  void anHttpsEndpointWithoutAClientTlsDirectoryIsRefusedAtStartSayingWhatToGive() {
    Path dir = TestDirs.create(TlsMemberIT.class, "no-tls-dir");
    try {
      AgentConfig cfg = Harness.config(URI.create("https://127.0.0.1:" + Ports.free()), "file://" + dir.resolve("store"),
          dir.resolve("scratch"));
      AgentServer.StartupException e = assertThrows(AgentServer.StartupException.class,
          () -> AgentServer.start(cfg, null, LeasePort.NONE, Map.of()));
      assertTrue(e.getMessage().contains("--client-tls-dir") && e.getMessage().contains("CAIRN_CLIENT_TLS_DIR"),
          e.getMessage());
    } finally {
      TestDirs.deleteRecursively(dir);
    }
  }

  private static JsonNode parse(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static java.security.cert.X509Certificate served(int port, Path clientDir) {
    return TestCerts.servedCertificate("127.0.0.1", port, clientDir);
  }

  private static BigInteger servedOrNull(int port, Path clientDir) {
    try {
      return served(port, clientDir).getSerialNumber();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static SSLContext clientWithoutCertificate(Path secretDir) throws Exception {
    Path trustOnly = Files.createTempDirectory(secretDir.getParent(), "trust-only");
    Files.copy(secretDir.resolve("ca.crt"), trustOnly.resolve("ca.crt"));
    return TestCerts.clientContext(trustOnly);
  }
}
