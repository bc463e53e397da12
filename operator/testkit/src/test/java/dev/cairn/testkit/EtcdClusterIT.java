package dev.cairn.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EtcdClusterIT {

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void singleMemberStartsServesStopsAndRestartsOnItsData() throws Exception {
    Path dir = TestDirs.create(EtcdClusterIT.class, "single");
    try (EtcdCluster etcd = EtcdCluster.start(dir, 1)) {
      EtcdMember m = etcd.member(0);
      assertTrue(m.pid() > 0);
      try (Client c = etcd.client()) {
        c.getKVClient().put(bs("k"), bs("v1")).get(10, TimeUnit.SECONDS);
      }
      // etcd shuts down gracefully on SIGTERM and then re-raises the signal, so a clean stop
      // reports 128 + 15.
      assertEquals(143, m.stop(), "exit status of a SIGTERM stop");
      assertFalse(m.isRunning());
      assertTrue(Files.exists(m.dataDir().resolve("member/snap/db")), "data dir kept after stop");

      m.start().awaitHealthy(Duration.ofSeconds(30));
      try (Client c = etcd.client()) {
        var got = c.getKVClient().get(bs("k")).get(10, TimeUnit.SECONDS);
        assertEquals("v1", got.getKvs().get(0).getValue().toString(UTF_8));
      }
      assertTrue(m.logs().contains("=== start 2"), "the log keeps every run");
    }
  }

  @Test
  void threeMemberClusterSurvivesOneKilledMember() throws Exception {
    Path dir = TestDirs.create(EtcdClusterIT.class, "three");
    try (EtcdCluster etcd = EtcdCluster.builder(dir).members(3).flag("snapshot-count", "100").start()) {
      assertEquals(3, etcd.clientUrls().size());
      assertEquals(3, etcd.endpoints().split(",").length);
      try (Client c = etcd.client()) {
        assertEquals(3, c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().size());
        int code = etcd.member(1).kill();
        assertNotEquals(0, code, "SIGKILL is not a clean exit");
        // Two of three are a quorum: writes succeed again once a leader is (re)elected.
        putWithRetry(c, "after-kill", "ok", Duration.ofSeconds(30));
      }
      etcd.member(1).start().awaitHealthy(Duration.ofSeconds(30));
      String out = Etcdctl.run(Duration.ofSeconds(20), "--endpoints=" + etcd.member(1).clientUrl(), "get", "after-kill");
      assertTrue(out.contains("ok"), "the restarted member caught up: " + out);
    }
  }

  private static void putWithRetry(Client c, String k, String v, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        c.getKVClient().put(bs(k), bs(v)).get(10, TimeUnit.SECONDS);
        return;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("put " + k + " did not succeed within " + timeout, e);
        }
        Thread.sleep(200);
      }
    }
  }

  @Test
  void etcdctlSnapshotSaveWorksAgainstTheFixture() throws Exception {
    Path dir = TestDirs.create(EtcdClusterIT.class, "snap");
    try (EtcdCluster etcd = EtcdCluster.start(dir, 1)) {
      Path snap = dir.resolve("s.db");
      Etcdctl.run(Duration.ofSeconds(30), "--endpoints=" + etcd.endpoints(), "snapshot", "save", snap.toString());
      // A v3 snapshot is the db followed by a 32-byte sha256.
      assertEquals(32, Files.size(snap) % 512);
    }
  }
}
