package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.cairn.datadir.validation.ExitMarker;
import dev.cairn.datadir.validation.ValidationFlow;
import dev.cairn.testkit.Ports;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.TestCerts;
import dev.cairn.testkit.TestDirs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real {@code cairn wrapper} (the built jar, as a separate process) against a scripted agent and
 * a real etcd: the handshake, signal forwarding, and the exit marker.
 */
class WrapperIT {

  private final List<String> starts = new CopyOnWriteArrayList<>();
  private volatile String initState = "Successful";
  private HttpServer agent;
  private Path dir;
  private Path dataDir;
  private int clientPort;
  private Process wrapper;

  @BeforeEach
  void setUp() throws IOException {
    dir = TestDirs.create(WrapperIT.class, "wrapper");
    dataDir = dir.resolve("data");
    clientPort = Ports.free();
    int peerPort = Ports.free();
    String config =
        String.join(
            "\n",
            "name: m0",
            "data-dir: " + dataDir,
            "listen-client-urls: http://127.0.0.1:" + clientPort,
            "advertise-client-urls: http://127.0.0.1:" + clientPort,
            "listen-peer-urls: http://127.0.0.1:" + peerPort,
            "initial-advertise-peer-urls: http://127.0.0.1:" + peerPort,
            "initial-cluster: m0=http://127.0.0.1:" + peerPort,
            "initial-cluster-state: new",
            "");
    this.config = config;
    agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    script(agent);
    agent.start();
  }

  private String config;

  /** The scripted agent's endpoints. */
  private void script(HttpServer server) {
    server.createContext("/initialization/start", ex -> {
      starts.add(ex.getRequestURI().getQuery());
      reply(ex, 202, "{\"state\":\"Progress\"}");
    });
    server.createContext("/initialization/status", ex ->
        reply(ex, 200, "{\"state\":\"" + initState + "\",\"reason\":\"scripted by the test\"}"));
    server.createContext("/config", ex -> reply(ex, 200, config));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (wrapper != null && wrapper.isAlive()) {
      wrapper.descendants().forEach(ProcessHandle::destroyForcibly);
      wrapper.destroyForcibly();
      wrapper.waitFor(10, TimeUnit.SECONDS);
    }
    agent.stop(0);
  }

  private static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  private Process startWrapper() throws IOException {
    return startWrapper("--agent-url=http://127.0.0.1:" + agent.getAddress().getPort());
  }

  private Process startWrapper(String... agentFlags) throws IOException {
    Path jar = Path.of("target", "cairn.jar").toAbsolutePath();
    assertTrue(Files.exists(jar), "the cli jar must be built before integration tests: " + jar);
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m", "-jar", jar.toString(),
        "wrapper"));
    cmd.addAll(List.of(agentFlags));
    cmd.addAll(List.of("--data-dir=" + dataDir, "--etcd-bin=" + Prerequisites.etcd(), "--poll-interval=100ms",
        "--termination-grace=20s"));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("wrapper.log").toFile()));
    wrapper = pb.start();
    return wrapper;
  }

  private void awaitEtcdHealthy() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertTrue(wrapper.isAlive(), "wrapper exited early; log:\n" + log());
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.body().contains("\"true\"")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("etcd started by the wrapper not healthy within 60 s; log:\n" + log());
  }

  private String log() throws IOException {
    Path f = dir.resolve("wrapper.log");
    return Files.exists(f) ? Files.readString(f) : "";
  }

  private int awaitExit() throws InterruptedException, IOException {
    assertTrue(wrapper.waitFor(60, TimeUnit.SECONDS), "wrapper did not exit within 60 s; log:\n" + log());
    return wrapper.exitValue();
  }

  private ExitMarker marker() throws IOException {
    ExitMarker m = ExitMarker.read(ValidationFlow.markerFile(dataDir));
    assertNotNull(m, "no exit marker written");
    return m;
  }

  @Test
  void sigtermIsForwardedAndRecordedAsACleanExitThenSanityModeIsAsked() throws Exception {
    startWrapper();
    awaitEtcdHealthy();
    assertEquals(List.of("mode=full"), starts, "a volume without marker is validated fully");
    assertEquals(ExitMarker.State.RUNNING, marker().state(), "marker says running while etcd runs");
    ProcessHandle etcd = wrapper.descendants().findFirst().orElseThrow();

    wrapper.destroy(); // SIGTERM, as the kubelet sends it
    assertEquals(143, awaitExit(), "log:\n" + log());
    assertFalse(etcd.isAlive(), "etcd must not outlive the wrapper");
    ExitMarker m = marker();
    assertEquals(ExitMarker.State.EXITED, m.state());
    assertEquals(143, m.exitCode());
    assertTrue(m.clean(), "a forwarded SIGTERM is a clean exit");

    startWrapper();
    awaitEtcdHealthy();
    assertEquals(List.of("mode=full", "mode=sanity"), starts, "after a clean exit a sanity check is enough");
  }

  @Test
  void etcdCrashIsRecordedAsAbnormalAndTheNextStartAsksForFullValidation() throws Exception {
    startWrapper();
    awaitEtcdHealthy();
    ProcessHandle etcd = wrapper.descendants().findFirst().orElseThrow();
    etcd.destroyForcibly(); // SIGKILL etcd alone: a crash
    assertEquals(137, awaitExit(), "the wrapper exits with etcd's status; log:\n" + log());
    ExitMarker m = marker();
    assertEquals(137, m.exitCode());
    assertFalse(m.clean());

    startWrapper();
    awaitEtcdHealthy();
    assertEquals(List.of("mode=full", "mode=full"), starts);
  }

  @Test
  void anHttpsAgentIsReachedWithTheCaOfAgentCaAndRefusedWithoutIt() throws Exception {
    TestCerts.Ca ca = TestCerts.ca("wrapper test CA");
    Path agentTls = TestCerts.writeSecretDir(dir.resolve("agent-tls"),
        ca.issue("agent", TestCerts.LOOPBACK_DNS, TestCerts.LOOPBACK_IPS), TestCerts.KeyEncoding.PKCS8, ca);
    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverContext(agentTls)));
    script(https);
    https.start();
    try {
      String url = "--agent-url=https://127.0.0.1:" + https.getAddress().getPort();
      startWrapper(url);
      assertEquals(2, awaitExit(), "https without --agent-ca is a usage error; log:\n" + log());
      assertTrue(log().contains("--agent-ca"), "the error names the missing flag: " + log());

      startWrapper(url, "--agent-ca=" + agentTls.resolve("ca.crt"));
      awaitEtcdHealthy();
      assertEquals(List.of("mode=full"), starts, "the handshake went over HTTPS");
    } finally {
      https.stop(0);
    }
  }

  private static SSLContext serverContext(Path secretDir) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("agent", TestCerts.readKey(secretDir.resolve("tls.key")), new char[0],
        TestCerts.readCertificates(secretDir.resolve("tls.crt")));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  @Test
  void failedInitialisationNeverStartsEtcd() throws Exception {
    initState = "Failed";
    startWrapper();
    assertEquals(3, awaitExit(), "log:\n" + log());
    assertTrue(log().contains("scripted by the test"), "the agent's reason is logged: " + log());
    assertFalse(Files.exists(dataDir.resolve("member")), "etcd never ran");
  }
}
