package dev.cairn.agent.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.metrics.AgentMetrics;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.LocalStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.datadir.validation.ExitMarker;
import dev.cairn.datadir.validation.ValidationFlow;
import dev.cairn.datadir.validation.ValidationMode;
import dev.cairn.datadir.validation.VolumeIdentity;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.options.GetOption;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Initialisation against real etcd processes, each on its own loopback address as in local mode:
 * a fresh single member, sanity and full validation chosen by the exit marker, a stale member
 * restored from the store, a wrong volume refused; and in a 3-member cluster, a member whose db was
 * corrupted rejoins as a learner and is promoted while the others keep serving, with nothing lost.
 */
class InitializerIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static Map<String, String> keyspace(Client c) throws Exception {
    ByteSequence all = ByteSequence.from(new byte[] {0});
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv : c.getKVClient().get(all, GetOption.builder().withRange(all).build()).get(30, TimeUnit.SECONDS)
        .getKvs()) {
      out.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8) + " c"
          + kv.getCreateRevision() + " m" + kv.getModRevision() + " v" + kv.getVersion());
    }
    return out;
  }

  private static long revision(Client c) throws Exception {
    return c.getKVClient().get(bs("\0")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  @Test
  void singleMemberFreshThenMarkerChosenValidationThenStaleRestoredThenWrongVolumeRefused() throws Exception {
    Path dir = TestDirs.create(InitializerIT.class, "single");
    try (LocalPods pods = new LocalPods(dir, 1); S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      String bucket = s3.createBucket();
      String url = "s3://" + bucket + "/single?endpoint=" + s3.endpoint() + "&region=us-east-1";
      BackupStore store = new S3Store(StoreUrl.parse(url).s3().orElseThrow(),
          S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
      Path template = pods.template(1);
      Initializer init = pods.initializer(0, template, store, null);
      Path marker = ValidationFlow.markerFile(pods.dataDir(0));

      // 1. Empty data dir, empty store: a new cluster.
      init.start(ValidationMode.FULL);
      Initializer.Status s = LocalPods.await(init, WAIT);
      assertEquals(Initializer.State.Successful, s.state(), s.toString());
      assertEquals("Empty", s.validation());
      assertTrue(init.config().contains("initial-cluster-state: new"), init.config());
      assertTrue(init.config().contains("listen-client-urls: http://" + pods.ip(0) + ":" + pods.clientPort),
          init.config());
      Process etcd = pods.startEtcd(0, init.config());
      pods.awaitHealthy(0, etcd, WAIT);

      AgentConfig c = new AgentConfig();
      c.etcdEndpoint = pods.clientUrl(0);
      c.store = StoreUrl.parse(url);
      c.scratchDir = dir.resolve("agent-scratch");
      c.fullSchedule = null;
      c.deltaPeriod = Duration.ofHours(1);
      c.heartbeat = Duration.ofMillis(200);
      c.retryInitial = Duration.ofMillis(100);
      c.retryMax = Duration.ofSeconds(1);
      Map<String, String> before;
      long storedEnd;
      Path old = dir.resolve("old-copy");
      try (Client client = Client.builder().endpoints(pods.clientUrl(0)).build();
          SnapshotService agent = new SnapshotService(c, new EtcdNode(c.etcdEndpoint, Duration.ofSeconds(5)), store,
              LeasePort.NONE, new AgentMetrics(), Clock.systemUTC(), RevisionSource.datadir())) {
        for (int i = 0; i < 50; i++) {
          client.getKVClient().put(bs("a/" + i), bs("v" + i)).get(10, TimeUnit.SECONDS);
        }
        agent.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (SnapshotCatalog.of(store.listAll()).newestFull().isEmpty()) {
          assertTrue(System.nanoTime() < deadline, "no first full snapshot: " + agent.health());
          Thread.sleep(100);
        }

        // 2. A clean exit recorded by the wrapper: sanity validation, start on the data.
        assertEquals(143, LocalPods.stop(etcd));
        ExitMarker.exited(143).write(marker);
        copyTree(pods.dataDir(0), old);
        init.start(null);
        s = LocalPods.await(init, WAIT);
        assertEquals(Initializer.State.Successful, s.state(), s.toString());
        assertEquals("sanity", s.mode(), "a clean previous exit needs only a sanity validation");
        assertEquals("Valid", s.validation());
        assertEquals("Start", s.action());
        etcd = pods.startEtcd(0, init.config());
        pods.awaitHealthy(0, etcd, WAIT);
        for (int i = 0; i < 80; i++) {
          client.getKVClient().put(bs("b/" + (i % 20)), bs("w" + i)).get(10, TimeUnit.SECONDS);
        }
        client.getKVClient().delete(bs("a/3")).get(10, TimeUnit.SECONDS);
        deadline = System.nanoTime() + WAIT.toNanos();
        long target = revision(client);
        while (SnapshotCatalog.of(store.listAll()).newestEndRevision() < target) {
          assertTrue(System.nanoTime() < deadline, "deltas did not reach " + target + ": " + agent.health());
          agent.deltaSnapshot(WAIT);
          Thread.sleep(100);
        }
        storedEnd = SnapshotCatalog.of(store.listAll()).newestEndRevision();
        before = keyspace(client);
      }

      // 3. A crash recorded by the wrapper: full validation; a torn WAL tail is etcd's to repair.
      etcd.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      ExitMarker.exited(137).write(marker);
      init.start(null);
      s = LocalPods.await(init, WAIT);
      assertEquals("full", s.mode(), "an abnormal previous exit needs a full validation");
      assertEquals(Initializer.State.Successful, s.state(), s.toString());
      assertEquals("Valid", s.validation());

      // 4. The data dir replaced by an older copy: stale against the store, restored from it.
      dev.cairn.agent.restore.ChainRestorer.deleteTree(pods.dataDir(0).resolve("member"));
      copyTree(old.resolve("member"), pods.dataDir(0).resolve("member"));
      init.start(ValidationMode.SANITY);
      s = LocalPods.await(init, WAIT);
      assertEquals(Initializer.State.Successful, s.state(), s.toString());
      assertEquals("Stale", s.validation());
      assertEquals("Restore", s.action());
      etcd = pods.startEtcd(0, init.config());
      pods.awaitHealthy(0, etcd, WAIT);
      try (Client client = Client.builder().endpoints(pods.clientUrl(0)).build()) {
        assertEquals(storedEnd, revision(client), "restored to the store's newest revision");
        assertEquals(before, keyspace(client), "restored keyspace equals the one before the data was replaced");
      }
      LocalPods.stop(etcd);

      // 5. A volume that belongs to another member is refused, never restored over.
      new VolumeIdentity("ns", "c", "m7", "cairn-test-token").write(ValidationFlow.identityFile(pods.dataDir(0)));
      init.start(ValidationMode.FULL);
      s = LocalPods.await(init, WAIT);
      assertEquals(Initializer.State.Failed, s.state(), s.toString());
      assertEquals("WrongVolume", s.validation());
      assertTrue(s.reason().contains("wrong volume") && s.reason().contains("m7"), s.reason());
      assertEquals(null, init.config(), "no config after a failed initialisation");
      init.close();
      store.close();
    }
  }

  @Test
  void aCorruptMemberOfAHealthyClusterRejoinsAsALearnerAndIsPromotedWhileTheOthersServe() throws Exception {
    Path dir = TestDirs.create(InitializerIT.class, "resync");
    try (LocalPods pods = new LocalPods(dir, 3)) {
      Path template = pods.template(3);
      BackupStore none = null;
      Initializer[] inits = new Initializer[3];
      Process[] etcd = new Process[3];
      for (int i = 0; i < 3; i++) {
        inits[i] = pods.initializer(i, template, none, null);
        inits[i].start(ValidationMode.FULL);
      }
      for (int i = 0; i < 3; i++) {
        Initializer.Status s = LocalPods.await(inits[i], WAIT);
        assertEquals(Initializer.State.Successful, s.state(), s.toString());
        assertTrue(inits[i].config().contains("initial-cluster-state: new"), inits[i].config());
        etcd[i] = pods.startEtcd(i, inits[i].config());
      }
      for (int i = 0; i < 3; i++) {
        pods.awaitHealthy(i, etcd[i], WAIT);
      }
      Map<String, String> acknowledged = new ConcurrentHashMap<>();
      AtomicLong writes = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      try (Client serving = Client.builder().endpoints(pods.clientUrl(0), pods.clientUrl(1)).build()) {
        Thread writer = new Thread(() -> {
          long i = 0;
          while (!stop.get()) {
            String k = "w/" + (i % 100);
            String v = "v" + i;
            try {
              serving.getKVClient().put(bs(k), bs(v)).get(10, TimeUnit.SECONDS);
              acknowledged.put(k, v);
              writes.incrementAndGet();
            } catch (Exception e) {
              // counted by the absence of progress below
            }
            i++;
          }
        }, "writer");
        writer.start();
        try {
          while (writes.get() < 200) {
            Thread.sleep(50);
          }
          // m2 stops; its db loses both meta pages: full validation finds it corrupt.
          assertEquals(143, LocalPods.stop(etcd[2]));
          ExitMarker.exited(143).write(ValidationFlow.markerFile(pods.dataDir(2)));
          try (RandomAccessFile f = new RandomAccessFile(
              pods.dataDir(2).resolve("member/snap/db").toFile(), "rw")) {
            f.write(new byte[8192]);
          }
          long atCorruption = writes.get();
          inits[2].start(ValidationMode.FULL);
          Initializer.Status s = LocalPods.await(inits[2], WAIT);
          assertEquals(Initializer.State.Successful, s.state(), s.toString());
          assertEquals("Corrupt", s.validation());
          assertEquals("Resync", s.action(), s.reason());
          assertTrue(inits[2].config().contains("initial-cluster-state: existing"), inits[2].config());
          assertFalse(Files.exists(pods.dataDir(2).resolve("member")), "the corrupt member/ was wiped");
          etcd[2] = pods.startEtcd(2, inits[2].config());
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (true) {
            assertTrue(etcd[2].isAlive(), "m2 exited; log:\n" + pods.log(2));
            Member m2 = serving.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
                .filter(m -> m.getName().equals("m2")).findFirst().orElse(null);
            if (m2 != null && !m2.isLearner() && "done".equals(inits[2].status().promotion())) {
              break;
            }
            assertTrue(System.nanoTime() < deadline, "m2 not promoted within " + WAIT + "; member " + m2
                + ", status " + inits[2].status() + "; log:\n" + pods.log(2));
            Thread.sleep(200);
          }
          // A re-sync can finish within one leader election (when m2 led), so progress is awaited
          // rather than required to have happened already.
          long writesDeadline = System.nanoTime() + WAIT.toNanos();
          while (writes.get() <= atCorruption + 50) {
            assertTrue(System.nanoTime() < writesDeadline, "the other members kept serving writes through the re-sync ("
                + (writes.get() - atCorruption) + " writes within " + WAIT + ")");
            Thread.sleep(100);
          }
        } finally {
          stop.set(true);
          writer.join(30_000);
        }
        long rev = revision(serving);
        try (Client m2 = Client.builder().endpoints(pods.clientUrl(2)).build()) {
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (revision(m2) < rev) {
            assertTrue(System.nanoTime() < deadline, "m2 did not catch up with revision " + rev);
            Thread.sleep(100);
          }
          Map<String, String> onM2 = keyspace(m2);
          assertEquals(keyspace(serving), onM2, "m2 holds exactly the cluster's keyspace");
          for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            assertTrue(onM2.get(e.getKey()).startsWith(e.getValue() + " "), "acknowledged write " + e + " on m2");
          }
          assertEquals(3, m2.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().size());
        }
      } finally {
        for (Initializer i : inits) {
          i.close();
        }
      }
    }
  }
}
