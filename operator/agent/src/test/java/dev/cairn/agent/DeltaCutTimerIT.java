package dev.cairn.agent;

import static dev.cairn.agent.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Deltas are cut by their own timer, not by the control loop: with a heartbeat far longer than the
 * test, only the cut timer can store the deltas this test waits for.
 */
class DeltaCutTimerIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  void deltasAreCutOnTheirPeriodBetweenHeartbeatsAndHoldEveryEventOnce() throws Exception {
    Path dir = TestDirs.create(DeltaCutTimerIT.class, "timer");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        S3Server s3 = S3Server.start(dir.resolve("s3"));
        Client c = etcd.client()) {
      String bucket = s3.createBucket();
      long full;
      String url = "s3://" + bucket + "/t?endpoint=" + s3.endpoint() + "&region=us-east-1";
      AgentConfig cfg = Harness.config(etcd.member(0).clientUrl(), url, dir.resolve("scratch"));
      cfg.heartbeat = Duration.ofHours(1); // one tick at start (it activates), then none during the test
      cfg.deltaPeriod = Duration.ofSeconds(1);
      cfg.deltaMemoryLimit = 64L * 1024 * 1024; // no cut because of memory
      BackupStore store = new S3Store(StoreUrl.parse(url).s3().orElseThrow(),
          S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
      try (SnapshotService svc = Harness.service(cfg, store, new Harness.FakeLeases())) {
        svc.start();
        await("the first full snapshot", WAIT, () -> newest(store, SnapshotKind.FULL) > 0);
        full = newest(store, SnapshotKind.FULL);
        // Two rounds of writes, each waited for in the store: the second proves the timer keeps going.
        for (int round = 0; round < 2; round++) {
          for (int i = 0; i < 20; i++) {
            c.getKVClient().put(Harness.bs("timer/" + round + "/" + i), Harness.bs("v" + i)).get(10, TimeUnit.SECONDS);
          }
          long target = Harness.currentRevision(c);
          await("deltas up to revision " + target + " cut by the timer (heartbeat 1 h)", WAIT,
              () -> newest(store, SnapshotKind.DELTA) >= target);
        }
      }
      long end = Harness.verifyDeltasAgainstHistory(store, c, null);
      assertEquals(Harness.currentRevision(c), end);
      long deltas = SnapshotCatalog.of(store.listAll()).snapshots().stream()
          .filter(e -> e.kind() == SnapshotKind.DELTA && e.endRevision() > full).count();
      assertTrue(deltas >= 2, "one delta per round of writes at least, got " + deltas);
    }
  }

  private static long newest(BackupStore store, SnapshotKind kind) {
    try {
      return SnapshotCatalog.of(store.listAll()).snapshots().stream().filter(e -> e.kind() == kind)
          .mapToLong(SnapshotCatalog.Entry::endRevision).max().orElse(0);
    } catch (java.io.IOException e) {
      return 0; // the store may be briefly busy; the await retries
    }
  }
}
