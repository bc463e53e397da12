package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.options.CompactOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Restores from real snapshots (S3Proxy, zstd, AES-GCM) of a real etcd under a random workload give
 * back the source's keyspace at the restored revision: every key, value, create and mod revision,
 * version and lease, compared through the API. Latest and point in time.
 */
class RestoreEquivalenceIT {

  private static ChainRestorer restorer(ChainFixture f, Path scratch) throws Exception {
    return new ChainRestorer(f.store, new ChainRestorer.Settings(scratch, f.key(),
        TokenPreflight.fromFile(f.tokenFile, false), EtcdTools.find(System.getenv()), "127.0.0.1", 1L << 30, 4,
        Duration.ofMinutes(5)));
  }

  @Test
  void latestAndPointInTimeRestoresEqualTheSource() throws Exception {
    Path dir = TestDirs.create(RestoreEquivalenceIT.class, "equivalence");
    try (ChainFixture f = new ChainFixture(dir, "token-a")) {
      Workload w = new Workload(f.client, 42);
      w.run(150);
      long compactAt = f.revision() - 20;
      f.client.getKVClient().compact(compactAt, CompactOption.builder().withCompactPhysical(true).build())
          .get(10, TimeUnit.SECONDS);
      w.run(30);
      SnapshotMetadata full1 = f.startAgent();
      w.run(200);
      f.delta();
      w.run(200);
      f.delta();
      SnapshotMetadata full2 = f.full();
      w.run(150);
      f.delta();
      w.run(250);
      // Another agent's delta that overlaps the previous one (a leader change): replay is idempotent.
      f.delta();
      long end = f.revision();
      assertTrue(end > full2.endRevision() + 300, "enough deltas after the second full");
      assertFalse(w.txnRevisions.isEmpty());
      assertFalse(w.revokeRevisions.isEmpty(), "the workload revoked a lease (many deletes at one revision)");

      ChainRestorer r = restorer(f, dir.resolve("scratch"));
      RestoredMember m = RestoredMember.alone("r0", "http://127.0.0.1:2380", "restored");
      ChainRestorer.Result latest = r.restore(RestoreTarget.latest(), m, dir.resolve("latest"), false);
      assertEquals(end, latest.revision());
      assertEquals(full2.object(), latest.plan().full().object().name(), "latest starts at the newest full");
      assertTrue(latest.deltaEvents() > 300, "deltas were replayed: " + latest.describe());
      f.assertRestored(dir.resolve("latest"), "r0", end);

      long txnAfterFull2 = w.txnRevisions.stream().filter(x -> x > full2.endRevision() + 5).findFirst().orElseThrow();
      long revokeRev = w.revokeRevisions.get(w.revokeRevisions.size() - 1);
      long[] targets = {
        full1.endRevision() + 1, // just after a full snapshot (first delta revision)
        full2.endRevision(), // exactly a full snapshot
        txnAfterFull2, // a multi-key transaction's revision
        (full1.endRevision() + full2.endRevision()) / 2, // inside the first chain
        revokeRev > full1.endRevision() ? revokeRev : end - 1,
      };
      int i = 0;
      for (long t : targets) {
        Path d = dir.resolve("pit-" + i++);
        // Detached: each older state is a copy beside the source, which keeps its store.
        ChainRestorer.Result res = r.restore(new RestoreTarget.Revision(t), m, d, false, Timeline.detached());
        assertEquals(t, res.revision(), res.describe());
        f.assertRestored(d, "r0", t);
      }
      try (var s = Files.list(dir.resolve("scratch"))) {
        assertEquals(0, s.count(), "the scratch directory is empty after restores");
      }
      assertFalse(Files.exists(dir.resolve("latest/.cairn/restore.part")), "no .part left behind");
      Map<String, String> now = ChainFixture.keyspace(f.client, 0);
      assertTrue(now.size() > 5);
    }
  }
}
