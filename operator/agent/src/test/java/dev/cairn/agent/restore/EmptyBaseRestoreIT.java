package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The first full snapshot of an etcd without keys is at revision 1, as etcd reports and as its
 * restore yields; a chain that starts there restores (it used to be recorded at 0, and the restore
 * then failed its revision check).
 */
class EmptyBaseRestoreIT {

  @Test
  void aChainOnTheFullSnapshotOfAnEmptyEtcdRestores() throws Exception {
    Path dir = TestDirs.create(EmptyBaseRestoreIT.class, "empty-base");
    try (ChainFixture f = new ChainFixture(dir, "token-a")) {
      assertEquals(1, f.revision(), "a fresh etcd is at revision 1");
      SnapshotMetadata full = f.startAgent();
      assertEquals(1, full.endRevision(), "the empty keyspace's full snapshot is at etcd's revision");
      for (int i = 0; i < 12; i++) {
        f.client.getKVClient().put(ByteSequence.from("k" + i, StandardCharsets.UTF_8),
            ByteSequence.from("v" + i, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      }
      SnapshotMetadata delta = f.delta();
      assertEquals(2, delta.startRevision(), "deltas continue right after the empty base");
      ChainRestorer r = new ChainRestorer(f.store, new ChainRestorer.Settings(dir.resolve("scratch"), f.key(),
          TokenPreflight.fromFile(f.tokenFile, false), EtcdTools.find(System.getenv()), "127.0.0.1", 1L << 30, 2,
          Duration.ofMinutes(5)));
      ChainRestorer.Result res = r.restore(RestoreTarget.latest(), RestoredMember.alone("r0", "http://127.0.0.1:2380",
          "restored"), dir.resolve("data"), false);
      assertEquals(delta.endRevision(), res.revision(), res.describe());
      f.assertRestored(dir.resolve("data"), "r0", delta.endRevision());
      // The empty base alone (the named full snapshot) restores too, at revision 1; a copy beside the source.
      ChainRestorer.Result base = r.restore(new RestoreTarget.Snapshot(full.object()), RestoredMember.alone("r0",
          "http://127.0.0.1:2380", "restored"), dir.resolve("base"), false, Timeline.detached());
      assertEquals(1, base.revision(), base.describe());
    }
  }
}
