package dev.cairn.cli;

import static dev.cairn.cli.SnapshotCommandIT.S3_ENV;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.Ports;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code cairn agent server} as the built jar: exit 2 with the reason, and a real run on etcd and S3Proxy. */
class AgentCommandIT {

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private SnapshotCommandIT.Run cairn(Path dir, String label, Map<String, String> env, String... args) throws Exception {
    Process p = SnapshotCommandIT.start(dir, label, env, args);
    started.add(p);
    return SnapshotCommandIT.finish(dir, label, p, Duration.ofMinutes(3));
  }

  private static String[] serverArgs(String endpoint, String store, Path scratch, String... more) {
    List<String> a = new ArrayList<>(List.of("agent", "server", "--endpoints=" + endpoint, "--store=" + store,
        "--scratch-dir=" + scratch));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void badFlagsAndUnreachableStoreOrEtcdExit2WithTheReason() throws Exception {
    Path dir = TestDirs.create(AgentCommandIT.class, "bad");
    Path scratch = dir.resolve("scratch");
    String local = dir.resolve("store").toUri().toString();
    String closed = "http://127.0.0.1:" + Ports.free();
    record Case(String label, String expect, String[] args) {}
    List<Case> cases = List.of(
        new Case("listen", "--listen must be HOST:PORT, not 8080", serverArgs(closed, local, scratch, "--listen=8080")),
        new Case("tls", "--tls-cert and --tls-key go together",
            serverArgs(closed, local, scratch, "--listen=127.0.0.1:0", "--tls-cert=" + dir.resolve("c.pem"))),
        new Case("heartbeat", "--heartbeat", serverArgs(closed, local, scratch, "--heartbeat=-1s")),
        new Case("gc", "--gc-policy", serverArgs(closed, local, scratch, "--gc-policy=Forever")),
        new Case("archive", "--archive-retention must be at least 1h, got PT10M",
            serverArgs(closed, local, scratch, "--archive-retention=10m")),
        new Case("token", "cannot read the API token file " + dir.resolve("no-such-token"),
            serverArgs(closed, local, scratch, "--listen=127.0.0.1:0", "--api-token-file=" + dir.resolve("no-such-token"))),
        new Case("etcd-down", "Check --endpoints", serverArgs(closed, local, scratch, "--listen=127.0.0.1:0")),
        new Case("store-down", "the backup store does not answer",
            serverArgs(closed, "s3://b/p?endpoint=" + closed + "&region=us-east-1", scratch, "--listen=127.0.0.1:0")));
    for (Case c : cases) {
      SnapshotCommandIT.Run r = cairn(dir, c.label(), S3_ENV, c.args());
      assertEquals(2, r.code(), c.label() + ": " + r.describe());
      assertTrue(r.err().contains(c.expect()), c.label() + ": stderr names the problem:\n" + r.describe());
      assertEquals("", r.out(), c.label() + ": nothing on stdout");
      assertFalse(r.err().contains(S3Server.SECRET_KEY), "no secret in errors");
    }
  }

  @Test
  void servesTheApiOnRealEtcdAndS3AndStopsOnSigterm() throws Exception {
    Path dir = TestDirs.create(AgentCommandIT.class, "run");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client();
        S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      c.getKVClient().put(ByteSequence.from("a", StandardCharsets.UTF_8), ByteSequence.from("1", StandardCharsets.UTF_8))
          .get(10, TimeUnit.SECONDS);
      String bucket = s3.createBucket();
      int port = Ports.free();
      Path token = Files.writeString(dir.resolve("api-token"), "agent-api-token-for-the-test\n");
      Process agent = SnapshotCommandIT.start(dir, "agent", S3_ENV, serverArgs(etcd.member(0).clientUrl().toString(),
          SnapshotCommandIT.s3Url(s3, bucket), dir.resolve("scratch"), "--listen=127.0.0.1:" + port,
          "--api-token-file=" + token,
          "--heartbeat=200ms", "--full-schedule=none", "--delta-period=500ms"));
      started.add(agent);
      Path out = dir.resolve("agent.out");
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (!Files.readString(out).contains("cairn agent serving on")) {
        assertTrue(agent.isAlive(), "the agent exited:\n" + Files.readString(dir.resolve("agent.err")));
        assertTrue(System.nanoTime() < deadline, "the agent did not start serving within 2 minutes");
        Thread.sleep(50);
      }
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      String api = "http://127.0.0.1:" + port;
      HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(api + "/snapshot/full"))
          .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofMinutes(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(401, refused.statusCode(), "no token: " + refused.body());
      HttpResponse<String> full = http.send(HttpRequest.newBuilder(URI.create(api + "/snapshot/full"))
          .header("Authorization", "Bearer agent-api-token-for-the-test")
          .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofMinutes(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, full.statusCode(), full.body());
      JsonNode meta = SnapshotCommandIT.JSON.readTree(full.body());
      assertEquals("Full", meta.get("kind").asText());
      assertEquals(SnapshotCommandIT.revision(c), meta.get("endRevision").asLong());
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(api + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());

      agent.destroy(); // SIGTERM: the shutdown hook stops the API and the snapshotter
      assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "the agent did not stop within 60 s of SIGTERM");
      // The JVM reports a signal-initiated exit as 128 + 15 whatever the command returns.
      assertTrue(agent.exitValue() == 143 || agent.exitValue() == 0, "exit " + agent.exitValue());
      String stdout = Files.readString(out);
      assertEquals("cairn agent serving on /127.0.0.1:" + port, stdout.strip(), "stdout holds only the result line");
      String stderr = Files.readString(dir.resolve("agent.err"));
      assertTrue(stderr.contains("no bearer token") && !stderr.contains("agent-api-token-for-the-test"),
          "the refusal is logged, the token never:\n" + stderr);
      assertTrue(stderr.lines().filter(l -> !l.isBlank()).allMatch(l -> l.startsWith("{")),
          "stderr holds the JSON logs:\n" + stderr);
      assertTrue(stderr.contains("full snapshot"), stderr);
      try {
        http.send(HttpRequest.newBuilder(URI.create(api + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        throw new AssertionError("the API still answers after SIGTERM");
      } catch (IOException expected) {
        // connection refused: the server is gone
      }
    }
  }
}
