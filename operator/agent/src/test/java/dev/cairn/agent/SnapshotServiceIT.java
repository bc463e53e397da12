package dev.cairn.agent;

import static dev.cairn.agent.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotWriter;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.datadir.bbolt.RevisionReader;
import dev.cairn.datadir.snap.SnapshotTrailer;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The snapshotter against real etcd processes and a real S3 API (S3Proxy). */
class SnapshotServiceIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private static String s3Url(S3Server s3, String bucket, String prefix) {
    return "s3://" + bucket + "/" + prefix + "?endpoint=" + s3.endpoint() + "&region=us-east-1";
  }

  private static BackupStore s3Store(S3Server s3, String bucket, String prefix) throws Exception {
    return new S3Store(StoreUrl.parse(s3Url(s3, bucket, prefix)).s3().orElseThrow(),
        S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
  }

  /**
   * Whether the store holds a trusted full snapshot. Not "the full's revision is above 0": a full of
   * an empty etcd is at revision 1, and that says nothing about which snapshots exist.
   */
  private static boolean fullStored(BackupStore store) {
    try {
      return SnapshotCatalog.of(store.listAll()).newestFull().isPresent();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static long deltaCount(BackupStore store) {
    try {
      return SnapshotCatalog.of(store.listAll()).snapshots().stream().filter(e -> e.kind() == SnapshotKind.DELTA).count();
    } catch (java.io.IOException e) {
      return 0; // the store may be briefly busy; the await retries
    }
  }

  /** Flushes deltas until the store reaches the revision etcd is at now. */
  private static long flushTo(SnapshotService svc, Client c) throws Exception {
    long target = Harness.currentRevision(c);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Optional<SnapshotMetadata> m = svc.deltaSnapshot(WAIT);
      long end = SnapshotCatalog.of(svc.store().listAll()).newestEndRevision();
      if (end >= target) {
        return end;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("store reached only revision " + end + " of " + target + " (last delta " + m + ")");
      }
      Thread.sleep(100);
    }
  }

  @Test
  void fullAndDeltaCyclesUnderAConcurrentWriterSurviveAnAgentRestart() throws Exception {
    Path dir = TestDirs.create(SnapshotServiceIT.class, "cycle");
    Path keyFile = dir.resolve("key");
    Files.write(keyFile, new byte[32]);
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        S3Server s3 = S3Server.start(dir.resolve("s3"));
        Client c = etcd.client()) {
      String bucket = s3.createBucket();
      AgentConfig cfg = Harness.config(etcd.member(0).clientUrl(), s3Url(s3, bucket, "ns/a"), dir.resolve("scratch"));
      cfg.storeCredentialsDir = null;
      cfg.compression = Compression.ZSTD;
      cfg.encryptionKeyFile = keyFile;
      Harness.FakeLeases leases = new Harness.FakeLeases();
      BackupStore store = s3Store(s3, bucket, "ns/a");
      try (Harness.Writer w = new Harness.Writer(c)) {
        SnapshotService first = Harness.service(cfg, store, leases);
        first.start();
        await("the first full snapshot", WAIT, () -> fullStored(store));
        await("deltas under load", WAIT, () -> first.metrics().latestRevision(SnapshotKind.DELTA) > 0 && w.ops.get() > 300);
        first.close(); // an agent restart: whatever it buffered is re-read from etcd by the next one
        long opsAtRestart = w.ops.get();
        SnapshotService second = Harness.service(cfg, store, leases);
        second.start();
        await("writes after the restart", WAIT, () -> w.ops.get() > opsAtRestart + 300);
        await("second agent active", WAIT, second::isActive);
        // How many deltas a given number of writes makes depends on how fast this machine is; wait
        // for the cuts rather than for a fixed amount of work.
        await("several deltas stored", WAIT, () -> deltaCount(store) > 3);
        w.close();
        flushTo(second, c);
        second.close();
      }
      EncryptionKey key = EncryptionKey.fromFile(keyFile);
      long end = Harness.verifyDeltasAgainstHistory(store, c, key);
      assertEquals(Harness.currentRevision(c), end);
      SnapshotCatalog cat = SnapshotCatalog.of(store.listAll());
      assertTrue(cat.snapshots().stream().filter(e -> e.kind() == SnapshotKind.DELTA).count() > 3,
          "several deltas (period and memory-limit cuts)");
      // The full snapshot is a valid v3 snapshot whose own revision is the recorded one.
      SnapshotCatalog.Entry full = cat.newestFull().orElseThrow();
      Path back = dir.resolve("full.db");
      try (InputStream in = SnapshotWriter.openPlain(store, full.name(), key)) {
        Files.copy(in, back);
      }
      assertEquals(SnapshotTrailer.Status.VALID, SnapshotTrailer.verify(back).status());
      assertEquals(full.endRevision(), RevisionReader.read(back).revision());
      SnapshotMetadata meta;
      try (InputStream in = store.get(full.metadata().name())) {
        meta = SnapshotMetadata.fromJson(in.readAllBytes());
      }
      assertEquals(key.id(), meta.encryptionKeyId());
      assertEquals(Compression.ZSTD, meta.compression());
      assertTrue(leases.member.stream().allMatch(h -> h.matches("[0-9a-f]+:[0-9a-f]+:Leader")), leases.member.toString());
      assertTrue(leases.snapshots.stream().anyMatch(s -> s.startsWith("full:")));
      assertTrue(leases.snapshots.stream().anyMatch(s -> s.startsWith("delta:")));
    }
  }

  @Test
  void storeOutageIsRetriedAndLosesNothing() throws Exception {
    Path dir = TestDirs.create(SnapshotServiceIT.class, "outage");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client()) {
      S3Server s3 = S3Server.start(dir.resolve("s3"));
      int port = s3.port();
      String bucket = s3.createBucket();
      AgentConfig cfg = Harness.config(etcd.member(0).clientUrl(), s3Url(s3, bucket, "p"), dir.resolve("scratch"));
      BackupStore store = s3Store(s3, bucket, "p");
      try (SnapshotService svc = Harness.service(cfg, store, new Harness.FakeLeases());
          Harness.Writer w = new Harness.Writer(c)) {
        svc.start();
        await("first full", WAIT, () -> fullStored(store));
        s3.close();
        long ops = w.ops.get();
        await("writes during the outage", WAIT, () -> w.ops.get() > ops + 300);
        await("/healthz false during the outage", WAIT, () -> !svc.health().healthy());
        assertTrue(svc.metrics().scrape().contains("cairn_agent_store_errors_total"));
        s3 = S3Server.start(dir.resolve("s3"), port);
        w.close();
        await("healthy again after the store came back", WAIT, () -> svc.health().healthy());
        flushTo(svc, c);
      } finally {
        s3.close();
      }
      try (S3Server again = S3Server.start(dir.resolve("s3"), port)) {
        Harness.verifyDeltasAgainstHistory(s3Store(again, bucket, "p"), c, null);
      }
    }
  }

  @Test
  void aMemberWithStaleDataNeverUploads() throws Exception {
    Path dir = TestDirs.create(SnapshotServiceIT.class, "stale");
    Path storeDir = dir.resolve("store");
    try (EtcdCluster a = EtcdCluster.start(dir.resolve("a"), 1); Client ca = a.client()) {
      for (int i = 0; i < 50; i++) {
        ca.getKVClient().put(Harness.bs("k" + i), Harness.bs("v")).get(10, TimeUnit.SECONDS);
      }
      AgentConfig cfg = Harness.config(a.member(0).clientUrl(), storeDir.toUri().toString(), dir.resolve("sa"));
      try (SnapshotService svc = Harness.service(cfg, StoreUrl.parse(cfg.store.toString()).open(null, java.util.Map.of()),
          new Harness.FakeLeases())) {
        svc.tick();
        await("full snapshot of the healthy cluster", WAIT, () -> svc.metrics().latestRevision(SnapshotKind.FULL) >= 51);
      }
    }
    List<String> before = Files.list(storeDir).map(p -> p.getFileName().toString()).sorted().toList();
    try (EtcdCluster b = EtcdCluster.start(dir.resolve("b"), 1)) {
      AgentConfig cfg = Harness.config(b.member(0).clientUrl(), storeDir.toUri().toString(), dir.resolve("sb"));
      try (SnapshotService svc = Harness.service(cfg, StoreUrl.parse(cfg.store.toString()).open(null, java.util.Map.of()),
          new Harness.FakeLeases())) {
        for (int i = 0; i < 5; i++) {
          svc.tick();
        }
        assertFalse(svc.isActive(), "a stale member must not start snapshotting");
        Health h = svc.health();
        assertFalse(h.healthy());
        assertTrue(h.problems().toString().contains("stale"), h.problems().toString());
        assertTrue(svc.metrics().scrape().contains("cause=\"stale\""));
        try {
          svc.fullSnapshot(false, Duration.ofSeconds(10));
          throw new AssertionError("a stale member took a full snapshot");
        } catch (dev.cairn.agent.snapshot.NotLeaderException expected) {
          assertTrue(expected.getMessage().contains("stale"), expected.getMessage());
        }
      }
    }
    List<String> after = Files.list(storeDir).map(p -> p.getFileName().toString()).sorted().toList();
    assertEquals(before, after, "the store is untouched by the stale member");
  }

  @Test
  void aCompactedWatchRevisionTriggersAFullSnapshot() throws Exception {
    Path dir = TestDirs.create(SnapshotServiceIT.class, "compacted");
    Path storeDir = dir.resolve("store");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client()) {
      AgentConfig cfg = Harness.config(etcd.member(0).clientUrl(), storeDir.toUri().toString(), dir.resolve("scratch"));
      c.getKVClient().put(Harness.bs("a"), Harness.bs("1")).get(10, TimeUnit.SECONDS);
      BackupStore local = StoreUrl.parse(cfg.store.toString()).open(null, java.util.Map.of());
      try (SnapshotService svc = Harness.service(cfg, local, new Harness.FakeLeases())) {
        svc.tick();
        await("first full", WAIT, () -> fullStored(local));
      }
      for (int i = 0; i < 30; i++) {
        c.getKVClient().put(Harness.bs("b" + i), Harness.bs("2")).get(10, TimeUnit.SECONDS);
      }
      long compactAt = Harness.currentRevision(c);
      c.getKVClient().compact(compactAt, CompactOption.builder().withCompactPhysical(true).build()).get(10, TimeUnit.SECONDS);
      BackupStore store = StoreUrl.parse(cfg.store.toString()).open(null, java.util.Map.of());
      try (SnapshotService svc = Harness.service(cfg, store, new Harness.FakeLeases())) {
        svc.start();
        await("a full snapshot at or after the compaction", WAIT,
            () -> svc.metrics().latestRevision(SnapshotKind.FULL) >= compactAt);
        assertTrue(svc.metrics().scrape().contains("cause=\"compacted\""), "compaction is reported");
        await("delta capture restarted", WAIT, svc::isActive);
        for (int i = 0; i < 20; i++) {
          c.getKVClient().put(Harness.bs("c" + i), Harness.bs("3")).get(10, TimeUnit.SECONDS);
        }
        flushTo(svc, c);
      }
      // The deltas after the new full snapshot hold the history from there on.
      SnapshotCatalog cat = SnapshotCatalog.of(store.listAll());
      long newFull = cat.newestFull().orElseThrow().endRevision();
      assertTrue(newFull >= compactAt);
      List<dev.cairn.agent.snapshot.DeltaEvent> stored = new java.util.ArrayList<>();
      for (SnapshotCatalog.Entry e : cat.newestChain().subList(1, cat.newestChain().size())) {
        stored.addAll(SnapshotService.readDelta(store, e.name(), null));
      }
      assertEquals(Harness.history(c, newFull + 1, Harness.currentRevision(c)), stored);
    }
  }

  @Test
  void onlyTheLeadersAgentSnapshotsAndALeaderChangeLosesNothing() throws Exception {
    Path dir = TestDirs.create(SnapshotServiceIT.class, "leader");
    Path storeDir = dir.resolve("store");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 3); Client c = etcd.client()) {
      List<SnapshotService> agents = new java.util.ArrayList<>();
      try (Harness.Writer w = new Harness.Writer(c)) {
        for (int i = 0; i < 3; i++) {
          AgentConfig cfg = Harness.config(etcd.member(i).clientUrl(), storeDir.toUri().toString(), dir.resolve("s" + i));
          SnapshotService svc = Harness.service(cfg, StoreUrl.parse(cfg.store.toString()).open(null, java.util.Map.of()),
              new Harness.FakeLeases());
          agents.add(svc);
          svc.start();
        }
        await("exactly one active agent", WAIT, () -> agents.stream().filter(SnapshotService::isActive).count() == 1);
        SnapshotService leader = agents.stream().filter(SnapshotService::isActive).findFirst().orElseThrow();
        await("deltas from the first leader", WAIT, () -> leader.metrics().latestRevision(SnapshotKind.DELTA) > 0);
        long target = agents.stream().filter(a -> a != leader).findFirst().orElseThrow().lastStatus().memberId();
        // MoveLeader must reach the current leader.
        try (Client toLeader = Client.builder().endpoints(etcd.member(agents.indexOf(leader)).clientUrl()).build()) {
          toLeader.getMaintenanceClient().moveLeader(target).get(30, TimeUnit.SECONDS);
        }
        await("the new leader's agent takes over", WAIT,
            () -> !leader.isActive() && agents.stream().filter(SnapshotService::isActive).count() == 1);
        SnapshotService next = agents.stream().filter(SnapshotService::isActive).findFirst().orElseThrow();
        long ops = w.ops.get();
        await("writes after the leader change", WAIT, () -> w.ops.get() > ops + 300);
        w.close();
        flushTo(next, c);
      } finally {
        agents.forEach(SnapshotService::close);
      }
      BackupStore store = StoreUrl.parse(storeDir.toUri().toString()).open(null, java.util.Map.of());
      assertEquals(Harness.currentRevision(c), Harness.verifyDeltasAgainstHistory(store, c, null));
    }
  }
}
