package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.gc.GarbageCollector;
import dev.cairn.agent.gc.LimitBasedPolicy;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.metrics.AgentMetrics;
import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.store.DelegatingStore;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StorePage;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A restore to a named older full snapshot starts a new timeline (ADR 0008), against a real etcd and
 * S3Proxy: a crash in the middle of the archiving leaves a consistent live listing and loses nothing,
 * the same restore run again finishes it, the restored cluster (another token, so another etcd
 * cluster ID) gets an agent that uploads a new base and deltas at once, and garbage collection
 * leaves the archive alone.
 */
class TimelineIT {

  private static ChainRestorer restorer(ChainFixture f, BackupStore store, Path scratch) throws Exception {
    return new ChainRestorer(store, new ChainRestorer.Settings(scratch, f.key(),
        TokenPreflight.fromFile(f.tokenFile, false), EtcdTools.find(System.getenv()), "127.0.0.1", 1L << 30, 2,
        Duration.ofMinutes(5)));
  }

  private static Set<String> names(List<StoredObject> l) {
    return l.stream().map(StoredObject::name).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void aRestoreToAnOlderFullSurvivesACrashInTheArchivingAndStartsANewTimeline() throws Exception {
    Path dir = TestDirs.create(TimelineIT.class, "older-full");
    try (ChainFixture f = new ChainFixture(dir, "token-a")) {
      Workload w = new Workload(f.client, 5);
      w.run(40);
      SnapshotMetadata full1 = f.startAgent();
      w.run(60);
      f.delta();
      SnapshotMetadata full2 = f.full();
      w.run(60);
      f.delta();
      w.run(60);
      SnapshotMetadata d3 = f.delta();
      f.agent.close(); // the old cluster is stopped before its restore
      Set<String> before = names(f.store.listAll());
      SnapshotCatalog cat = SnapshotCatalog.of(f.store.listAll());
      assertEquals(d3.endRevision(), cat.newestEndRevision());
      assertTrue(full2.endRevision() > full1.endRevision());

      // 1. The store fails for good after two removals: the restore stops before the swap.
      AtomicInteger deletes = new AtomicInteger();
      BackupStore failing = new DelegatingStore(f.store) {
        @Override
        public void delete(String name) throws IOException {
          if (deletes.incrementAndGet() > 2) {
            throw new IOException("injected: the store went away");
          }
          super.delete(name);
        }
      };
      Path data = dir.resolve("data");
      RestoredMember m = RestoredMember.alone("r0", "http://127.0.0.1:2380", "restored-token");
      RestoreTarget target = new RestoreTarget.Snapshot(full1.object());
      RestoreException crash = assertThrows(RestoreException.class,
          () -> restorer(f, failing, dir.resolve("scratch")).restore(target, m, data, false,
              Timeline.newTimeline("restore-a")));
      assertEquals(RestoreException.Reason.STORE, crash.reason(), crash.getMessage());
      assertTrue(crash.getMessage().contains("run again"), crash.getMessage());
      assertFalse(Files.exists(data.resolve("member")), "no member/ from a restore that did not finish");
      assertFalse(Files.exists(data.resolve(".cairn/restore.part")), "no .part left behind");
      // The live listing is a consistent prefix of the old chain, and nothing is lost.
      SnapshotCatalog mid = SnapshotCatalog.of(f.store.listAll());
      assertTrue(mid.newestEndRevision() < d3.endRevision(), "the newest snapshot went first");
      RestorePlan midLatest = ChainPlanner.plan(mid, RestoreTarget.latest());
      assertEquals(mid.newestEndRevision(), midLatest.revision(), "no gap in what is still live");
      Set<String> archivedMid = names(f.store.listArchived("restore-a"));
      for (String n : before) {
        assertTrue(f.store.stat(n).isPresent() || archivedMid.contains(n), n + " is live or archived");
      }
      assertFalse(TimelineArchiver.readRecord(f.store, "restore-a").orElseThrow().done());

      // 2. The same restore again: it finishes the archive and swaps the member in.
      ChainRestorer.Result res = restorer(f, f.store, dir.resolve("scratch")).restore(target, m, data, false,
          Timeline.newTimeline("restore-a"));
      assertEquals(full1.endRevision(), res.revision(), res.describe());
      f.assertRestored(data, "r0", full1.endRevision());
      SnapshotCatalog live = SnapshotCatalog.of(f.store.listAll());
      assertEquals(full1.endRevision(), live.newestEndRevision());
      assertEquals(1, live.snapshots().size(), "only the restored full is live: " + live.snapshots());
      Set<String> archived = names(f.store.listArchived("restore-a"));
      Set<String> gone = new TreeSet<>(before);
      gone.removeAll(names(f.store.listAll()));
      assertEquals(8, gone.size(), "the delta, the second full and the two deltas after it, with metadata: " + gone);
      assertTrue(archived.containsAll(gone), "every removed name is in the archive: " + archived);
      TimelineArchiver.Record rec = TimelineArchiver.readRecord(f.store, "restore-a").orElseThrow();
      assertTrue(rec.done());
      assertEquals(full1.object(), rec.newestFullAfter());
      // Run once more: nothing changes (idempotent), and another revision under the same id is refused.
      RestorePlan plan = ChainPlanner.plan(live, target);
      TimelineArchiver archiver = new TimelineArchiver(f.store, f.key(), dir.resolve("scratch"), Clock.systemUTC());
      assertEquals(rec.moved(), archiver.archive("restore-a", plan).moved());
      RestoreException reused = assertThrows(RestoreException.class, () -> archiver.archive("restore-a",
          new RestorePlan(new RestoreTarget.Revision(full1.endRevision() - 1), live.newestFull().orElseThrow(),
              List.of(), full1.endRevision() - 1)));
      assertTrue(reused.getMessage().contains("already records a restore to revision " + full1.endRevision()),
          reused.getMessage());

      // 3. The restored cluster (another token: another etcd cluster ID) and its agent.
      String oldCluster = full1.etcdClusterId();
      try (TempEtcd etcd = TempEtcd.start(data, "r0", new TempEtcd.Options(Prerequisites.etcd(), "127.0.0.1",
          1L << 30, Duration.ofSeconds(60), dir.resolve("restored.log")))) {
        AgentConfig c = new AgentConfig();
        c.etcdEndpoint = etcd.clientUrl();
        c.memberName = "r0";
        c.store = StoreUrl.parse(f.storeUrl());
        c.scratchDir = dir.resolve("restored-agent-scratch");
        c.fullSchedule = null;
        c.deltaPeriod = Duration.ofHours(1);
        c.heartbeat = Duration.ofMillis(200);
        c.retryInitial = Duration.ofMillis(100);
        c.retryMax = Duration.ofSeconds(1);
        c.compression = Compression.GZIP;
        c.encryptionKeyFile = f.keyFile;
        c.tokenFile = f.tokenFile;
        try (SnapshotService agent = new SnapshotService(c, new EtcdNode(c.etcdEndpoint, Duration.ofSeconds(10)),
            f.store, LeasePort.NONE, new AgentMetrics(), Clock.systemUTC(), RevisionSource.datadir())) {
          agent.start();
          long deadline = System.nanoTime() + ChainFixture.WAIT.toNanos();
          List<SnapshotMetadata> chain = agent.latest();
          while (chain.isEmpty() || chain.get(0).object().equals(full1.object())) {
            assertTrue(System.nanoTime() < deadline, "no new base for the new timeline: " + agent.health());
            Thread.sleep(100);
            chain = agent.latest();
          }
          SnapshotMetadata base = chain.get(0);
          assertEquals(full1.endRevision(), base.endRevision(), "the new base is at the restored revision");
          String newCluster = Long.toHexString(etcd.status().getHeader().getClusterId());
          assertEquals(newCluster, base.etcdClusterId());
          assertNotEquals(oldCluster, newCluster, "another token, another cluster ID: nothing compares them");
          for (int i = 0; i < 20; i++) {
            etcd.client().getKVClient().put(ByteSequence.from("t/" + i, StandardCharsets.UTF_8),
                ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
          }
          SnapshotMetadata delta = agent.onceDelta(ChainFixture.WAIT).orElseThrow();
          assertEquals(full1.endRevision() + 1, delta.startRevision(), "deltas continue from the restored revision");
          assertTrue(agent.health().healthy(), agent.health().toString());
        }
      }

      // 4. Garbage collection keeps one full snapshot and never looks into the archive.
      Map<String, Long> archiveBefore = f.store.listArchived("restore-a").stream()
          .collect(Collectors.toMap(StoredObject::name, StoredObject::size));
      new GarbageCollector(f.store, new LimitBasedPolicy(1), null, Duration.ofHours(1), Clock.systemUTC()).run();
      assertEquals(archiveBefore, f.store.listArchived("restore-a").stream()
          .collect(Collectors.toMap(StoredObject::name, StoredObject::size)));
      for (String n : archiveBefore.keySet()) {
        if (n.endsWith(".meta.json")) {
          SnapshotMetadata meta;
          try (InputStream in = f.store.getArchived("restore-a", n)) {
            meta = SnapshotMetadata.fromJson(in.readAllBytes());
          }
          assertEquals(meta.size(), archiveBefore.get(meta.object()), meta.object() + " archived whole");
        }
      }
      assertEquals(List.of("restore-a"), f.store.listArchives());
    }
  }
}
