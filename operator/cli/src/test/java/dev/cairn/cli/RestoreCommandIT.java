package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The built {@code cairn} jar as separate processes: {@code snapshot}, {@code restore}, {@code
 * initialize} and {@code compact} against a real etcd and S3Proxy; and {@code agent server} with
 * initialisation serving the real {@code wrapper}, which starts etcd from the rendered config.
 */
class RestoreCommandIT {

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private record Run(int code, String out, String err) {}

  private static List<String> java(String... args) {
    Path jar = Path.of("target", "cairn.jar").toAbsolutePath();
    assertTrue(Files.exists(jar), "build the cli jar before integration tests: " + jar);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static Run cairn(Path dir, Map<String, String> env, String... args) throws Exception {
    Path out = Files.createTempFile(dir, "out-", ".txt");
    Path err = Files.createTempFile(dir, "err-", ".txt");
    ProcessBuilder pb = new ProcessBuilder(java(args)).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("CAIRN_LOG_FORMAT", "text");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "cairn " + String.join(" ", args) + " did not finish in 180 s");
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Map<String, String> s3Env() {
    return Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static Map<String, String> keyspace(Client c, long rev) throws Exception {
    ByteSequence all = ByteSequence.from(new byte[] {0});
    GetOption.Builder b = GetOption.builder().withRange(all);
    if (rev > 0) {
      b.withRevision(rev);
    }
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv : c.getKVClient().get(all, b.build()).get(30, TimeUnit.SECONDS).getKvs()) {
      out.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8) + " c"
          + kv.getCreateRevision() + " m" + kv.getModRevision() + " v" + kv.getVersion());
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts etcd on a restored data dir and returns its keyspace and revision. */
  private Map<String, String> restoredKeyspace(Path dataDir, String name, long expectedRevision) throws Exception {
    int c = freePort();
    int p = freePort();
    String url = "http://127.0.0.1:" + c;
    Process etcd = new ProcessBuilder(Prerequisites.etcd().toString(), "--name=" + name, "--data-dir=" + dataDir,
        "--listen-client-urls=" + url, "--advertise-client-urls=" + url, "--listen-peer-urls=http://127.0.0.1:" + p,
        "--initial-advertise-peer-urls=http://127.0.0.1:" + p, "--initial-cluster=" + name + "=http://127.0.0.1:" + p)
        .redirectErrorStream(true).redirectOutput(dataDir.resolveSibling(name + "-check.log").toFile()).start();
    started.add(etcd);
    try (Client client = Client.builder().endpoints(url).build()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        try {
          long rev = client.getKVClient().get(bs("\0")).get(2, TimeUnit.SECONDS).getHeader().getRevision();
          assertEquals(expectedRevision, rev, "restored revision");
          return keyspace(client, 0);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          assertTrue(System.nanoTime() < deadline, "restored etcd does not answer: " + e);
          Thread.sleep(200);
        }
      }
    } finally {
      etcd.destroy();
      etcd.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void restoreInitializeAndCompactFromTheCommandLine() throws Exception {
    Path dir = TestDirs.create(RestoreCommandIT.class, "cli");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("source"), 1); S3Server s3 = S3Server.start(dir.resolve("s3"));
        Client c = etcd.client()) {
      String store = "s3://" + s3.createBucket() + "/cli?endpoint=" + s3.endpoint() + "&region=us-east-1";
      Files.writeString(dir.resolve("token"), "the-token");
      String[] snap = {"snapshot", "--endpoints=" + etcd.endpoints(), "--store=" + store,
          "--scratch-dir=" + dir.resolve("snap-scratch"), "--token-file=" + dir.resolve("token"), "--compression=gzip"};
      for (int i = 0; i < 40; i++) {
        c.getKVClient().put(bs("k/" + (i % 13)), bs("v" + i)).get(10, TimeUnit.SECONDS);
      }
      Run full = cairn(dir, s3Env(), concat(snap, "--once=full"));
      assertEquals(0, full.code(), full.err());
      long mid = -1;
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 40; i++) {
          c.getKVClient().put(bs("k/" + (i % 17)), bs("r" + round + "-" + i)).get(10, TimeUnit.SECONDS);
        }
        c.getKVClient().delete(bs("k/3")).get(10, TimeUnit.SECONDS);
        Run delta = cairn(dir, s3Env(), concat(snap, "--once=delta"));
        assertEquals(0, delta.code(), delta.err());
        if (round == 0) {
          mid = c.getKVClient().get(bs("\0")).get(10, TimeUnit.SECONDS).getHeader().getRevision() - 20;
        }
      }
      long end = c.getKVClient().get(bs("\0")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
      Map<String, String> expected = keyspace(c, end);
      String[] restoreFlags = {"--store=" + store, "--token-file=" + dir.resolve("token"),
          "--scratch-dir=" + dir.resolve("scratch"), "--name=r0", "--initial-cluster=r0=http://127.0.0.1:2380"};

      Path data = dir.resolve("r0.etcd");
      Run r = cairn(dir, s3Env(), concat(concat(new String[] {"restore", "--data-dir=" + data}, restoreFlags)));
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(r.out().contains("revision " + end), r.out());
      assertEquals(expected, restoredKeyspace(data, "r0", end));

      Run again = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + data}, restoreFlags));
      assertEquals(1, again.code(), again.err());
      assertTrue(again.err().contains("--replace"), again.err());

      Run far = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + dir.resolve("far"),
          "--revision=" + (end + 100)}, restoreFlags));
      assertEquals(1, far.code(), far.err());
      assertTrue(far.err().contains("cannot be restored") && far.err().contains(".." + end), far.err());

      Run wrongToken = cairn(dir, s3Env(), "restore", "--data-dir=" + dir.resolve("tok"), "--store=" + store,
          "--scratch-dir=" + dir.resolve("scratch"), "--name=r0", "--initial-cluster=r0=http://127.0.0.1:2380");
      assertEquals(1, wrongToken.code(), wrongToken.err());
      assertTrue(wrongToken.err().contains("token preflight"), wrongToken.err());

      Run badFlags = cairn(dir, s3Env(), "restore", "--data-dir=" + data, "--store=" + store, "--snapshot=x",
          "--revision=3");
      assertEquals(2, badFlags.code(), badFlags.err());

      // initialize: an empty data dir is restored; a valid one is left alone.
      Path data2 = dir.resolve("r1.etcd");
      String[] init = concat(new String[] {"initialize", "--data-dir=" + data2, "--mode=full"}, restoreFlags);
      Run i1 = cairn(dir, s3Env(), init);
      assertEquals(0, i1.code(), i1.err());
      assertTrue(i1.err().contains("restore the newest state"), i1.err());
      assertEquals(expected, restoredKeyspace(data2, "r0", end));
      Run i2 = cairn(dir, s3Env(), init);
      assertEquals(0, i2.code(), i2.err());
      assertTrue(i2.out().contains("etcd may start: data dir is valid"), i2.out() + i2.err());

      // compact: a new full snapshot at the chain's end; the next restore needs no delta.
      Run comp = cairn(dir, s3Env(), "compact", "--store=" + store, "--token-file=" + dir.resolve("token"),
          "--scratch-dir=" + dir.resolve("compact-scratch"), "--compression=zstd");
      assertEquals(0, comp.code(), comp.err());
      assertTrue(comp.out().contains("\"kind\" : \"Full\"") && comp.out().contains("\"endRevision\" : " + end),
          comp.out());
      Path data3 = dir.resolve("r2.etcd");
      Run r3 = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + data3}, restoreFlags));
      assertEquals(0, r3.code(), r3.err());
      assertTrue(r3.out().contains("0 delta events"), "restored from the compacted full alone: " + r3.out());
      assertEquals(expected, restoredKeyspace(data3, "r0", end));

      // An older revision (inside the first delta): refused without saying what becomes of the store.
      String[] older = concat(restoreFlags, "--revision=" + mid);
      Run undecided = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + dir.resolve("old0")}, older));
      assertEquals(1, undecided.code(), undecided.err());
      assertTrue(undecided.err().contains("--new-timeline") && undecided.err().contains("--detached"), undecided.err());
      Run detached = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + dir.resolve("old1"),
          "--detached"}, older));
      assertEquals(0, detached.code(), detached.err());
      assertEquals(keyspace(c, mid), restoredKeyspace(dir.resolve("old1"), "r0", mid));
      Run newTimeline = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + dir.resolve("old2"),
          "--new-timeline", "--restore-id=cli-1"}, older));
      assertEquals(0, newTimeline.code(), newTimeline.err());
      assertTrue(newTimeline.err().contains("restore id cli-1") && newTimeline.err().contains("archive/cli-1/"),
          newTimeline.err());
      // The store's newest state is now the restored one; the abandoned snapshots are archived.
      Run latest = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + dir.resolve("old3")},
          restoreFlags));
      assertEquals(0, latest.code(), latest.err());
      assertTrue(latest.out().contains("revision " + mid), latest.out());
      assertEquals(keyspace(c, mid), restoredKeyspace(dir.resolve("old3"), "r0", mid));
      Run badId = cairn(dir, s3Env(), concat(new String[] {"restore", "--data-dir=" + dir.resolve("old4"),
          "--new-timeline", "--restore-id=../x"}, older));
      assertEquals(2, badId.code(), badId.err());
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void agentServerInitialisesTheMemberAndTheWrapperStartsEtcdFromItsConfig() throws Exception {
    Path dir = TestDirs.create(RestoreCommandIT.class, "agent");
    Random rnd = new Random();
    String ip = "127." + (100 + rnd.nextInt(150)) + "." + rnd.nextInt(250) + ".1";
    int clientPort = freeOn(ip);
    int peerPort = freeOn(ip);
    int agentPort = freeOn(ip);
    Path template = dir.resolve("etcd.yaml");
    Files.writeString(template, "initial-cluster: main-0=http://" + ip + ":" + peerPort + "\n"
        + "initial-cluster-token: cairn-uid-1\nsnapshot-count: 1000\nheartbeat-interval: 100\nelection-timeout: 1000\n");
    Path agentYaml = dir.resolve("agent.yaml");
    Files.writeString(agentYaml, "etcd:\n  cluster: main\n  clientPort: " + clientPort + "\n  peerPort: " + peerPort
        + "\n  peerService: main-peer\n");
    Path data = dir.resolve("data");
    Map<String, String> env = Map.of("POD_NAME", "main-0", "POD_NAMESPACE", "ns", "POD_IP", ip,
        "CAIRN_LOCAL_MODE", "true", "CAIRN_DATA_DIR", data.toString(), "CAIRN_ETCD_CONFIG", template.toString(),
        "CAIRN_AGENT_CONFIG", agentYaml.toString(), "CAIRN_LOG_FORMAT", "text");
    ProcessBuilder agent = new ProcessBuilder(java("agent", "server", "--endpoints=http://" + ip + ":" + clientPort,
        "--listen=" + ip + ":" + agentPort, "--store=file://" + dir.resolve("store"),
        "--scratch-dir=" + dir.resolve("scratch"), "--full-schedule=none", "--heartbeat=500ms"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
    agent.environment().putAll(env);
    started.add(agent.start());
    ProcessBuilder wrapper = new ProcessBuilder(java("wrapper", "--agent-url=http://" + ip + ":" + agentPort,
        "--data-dir=" + data, "--etcd-bin=" + Prerequisites.etcd(), "--poll-interval=200ms"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("wrapper.log").toFile());
    wrapper.environment().putAll(env);
    started.add(wrapper.start());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    String status = "";
    while (true) {
      try {
        HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + clientPort
            + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        if (h.body().contains("\"true\"")) {
          break;
        }
      } catch (IOException e) {
        // not up yet
      }
      try {
        status = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + agentPort
            + "/initialization/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
      } catch (IOException e) {
        status = e.toString();
      }
      assertTrue(System.nanoTime() < deadline, "etcd not started by the wrapper within 90 s; status " + status
          + "\nagent log:\n" + tail(dir.resolve("agent.log")) + "\nwrapper log:\n" + tail(dir.resolve("wrapper.log")));
      Thread.sleep(200);
    }
    String st = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + agentPort
        + "/initialization/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(st.contains("\"state\":\"Successful\"") && st.contains("\"validation\":\"Empty\""), st);
    HttpResponse<String> cfg = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + agentPort
        + "/config")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, cfg.statusCode());
    assertTrue(cfg.body().contains("name: main-0") && cfg.body().contains("advertise-client-urls: http://" + ip)
        && cfg.body().contains("initial-cluster-token: cairn-uid-1"), cfg.body());
    assertTrue(Files.readString(data.resolve(".cairn/identity")).contains("member=main-0"),
        "the volume was claimed for this member");
  }

  private static int freeOn(String ip) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
      return s.getLocalPort();
    }
  }

  private static String tail(Path f) throws IOException {
    if (!Files.exists(f)) {
      return "";
    }
    List<String> l = Files.readAllLines(f);
    return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
  }
}
