package dev.cairn.agent.init;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.config.MemberSettings;
import dev.cairn.agent.membership.ClusterMembers;
import dev.cairn.agent.membership.EtcdGateway;
import dev.cairn.agent.restore.ChainRestorer;
import dev.cairn.agent.restore.EtcdTools;
import dev.cairn.agent.restore.TokenPreflight;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.datadir.validation.VolumeIdentity;
import dev.cairn.testkit.Prerequisites;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Members as local mode runs them: each its own loopback address (127.a.b.N) with the same ports,
 * the agent's {@link Initializer} deciding and rendering, and etcd started from the rendered config
 * file as the wrapper would.
 */
final class LocalPods implements AutoCloseable {

  final Path dir;
  final String net;
  final int clientPort;
  final int peerPort;
  final List<String> names = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  LocalPods(Path dir, int members) throws IOException {
    this.dir = dir;
    Random r = new Random();
    String chosen = null;
    int c = 0;
    int p = 0;
    for (int attempt = 0; attempt < 50 && chosen == null; attempt++) {
      String n = "127." + (100 + r.nextInt(150)) + "." + r.nextInt(250) + ".";
      c = 20000 + r.nextInt(20000);
      p = c + 1;
      boolean free = true;
      for (int i = 1; i <= members && free; i++) {
        free = free(n + i, c) && free(n + i, p);
      }
      if (free) {
        chosen = n;
      }
    }
    if (chosen == null) {
      throw new IllegalStateException("no free loopback addresses and ports for " + members + " members");
    }
    net = chosen;
    clientPort = c;
    peerPort = p;
    for (int i = 0; i < members; i++) {
      names.add("m" + i);
    }
  }

  private static boolean free(String ip, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  String ip(int i) {
    return net + (i + 1);
  }

  URI clientUrl(int i) {
    return URI.create("http://" + ip(i) + ":" + clientPort);
  }

  Path dataDir(int i) {
    return dir.resolve(names.get(i) + ".data");
  }

  /** The operator's template: every member by peer URL (IPs: local mode), one token. */
  Path template(int members) throws IOException {
    StringBuilder ic = new StringBuilder();
    for (int i = 0; i < members; i++) {
      ic.append(i == 0 ? "" : ",").append(names.get(i)).append("=http://").append(ip(i)).append(':').append(peerPort);
    }
    Path f = dir.resolve("etcd-template-" + members + ".yaml");
    Files.writeString(f, "initial-cluster: " + ic + "\ninitial-cluster-token: cairn-test-token\n"
        + "heartbeat-interval: 100\nelection-timeout: 1000\nsnapshot-count: 500\n");
    return f;
  }

  MemberSettings member(int i) {
    return new MemberSettings(names.get(i), "ns", ip(i), true, "c", "c-peer", null, clientPort, peerPort, dataDir(i),
        null, null);
  }

  Initializer initializer(int i, Path template, BackupStore store, dev.cairn.agent.snapshot.EncryptionKey key) {
    java.util.function.Function<Boolean, ChainRestorer> restorers = store == null ? null
        : allow -> new ChainRestorer(store, new ChainRestorer.Settings(dir.resolve("scratch-" + i), key,
            new TokenPreflight(null, allow), EtcdTools.find(System.getenv()), ip(i), 1L << 30, 3, Duration.ofMinutes(5)));
    return new Initializer(new Initializer.Settings(member(i), template,
        new VolumeIdentity("ns", "c", names.get(i), "cairn-test-token"), Duration.ofSeconds(3), Duration.ofMillis(300),
        Duration.ofMillis(500)), store, restorers, new ClusterMembers(new EtcdGateway(null, Duration.ofSeconds(2))));
  }

  /** Waits for Successful or Failed. */
  static Initializer.Status await(Initializer init, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Initializer.Status s = init.status();
      if (s.state() == Initializer.State.Successful || s.state() == Initializer.State.Failed) {
        return s;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("initialisation did not finish within " + timeout + "; last status " + init.status());
  }

  /** Starts etcd from a rendered config, as the wrapper does. */
  Process startEtcd(int i, String config) throws IOException {
    Path cfg = dir.resolve(names.get(i) + ".conf.yaml");
    Files.writeString(cfg, config);
    Path log = dir.resolve(names.get(i) + ".log");
    Files.writeString(log, "=== start with " + cfg + "\n" + config + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    Process p = new ProcessBuilder(Prerequisites.etcd().toString(), "--config-file=" + cfg).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    processes.add(p);
    return p;
  }

  String log(int i) throws IOException {
    Path f = dir.resolve(names.get(i) + ".log");
    if (!Files.exists(f)) {
      return "";
    }
    List<String> l = Files.readAllLines(f);
    return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
  }

  /** Waits until the member's /health says true. */
  void awaitHealthy(int i, Process p, Duration timeout) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      assertTrue(p.isAlive(), names.get(i) + " exited; log:\n" + log(i));
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(clientUrl(i).resolve("/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.body();
        if (r.body().contains("\"true\"")) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new AssertionError(names.get(i) + " not healthy within " + timeout + " (" + last + "); log:\n" + log(i));
  }

  static int stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    return p.exitValue();
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }
}
