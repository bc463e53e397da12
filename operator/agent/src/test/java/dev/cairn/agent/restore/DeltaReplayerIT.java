package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.membership.EtcdGateway;
import dev.cairn.agent.snapshot.DeltaEvent;
import dev.cairn.agent.snapshot.DeltaFormat;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The guarded pipeline under the reordering etcd really does: the replay starts with 64
 * transactions in flight (etcd swaps neighbours constantly at that depth), so guards refuse early
 * arrivals all the time, including after delete-only revisions, and the result must still equal the
 * source revision by revision.
 */
class DeltaReplayerIT {

  @Test
  void aWidePipelineUnderRealReorderingStillReproducesEveryRevision() throws Exception {
    Path dir = TestDirs.create(DeltaReplayerIT.class, "pipeline");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("source"), 1); Client c = etcd.client()) {
      Workload w = new Workload(c, 99);
      w.run(60);
      Path snap = dir.resolve("base.db");
      try (OutputStream out = Files.newOutputStream(snap)) {
        c.getMaintenanceClient().snapshot(out).get(60, TimeUnit.SECONDS);
      }
      long base = dev.cairn.datadir.bbolt.RevisionReader.read(snap).revision();
      w.run(700);
      long end = c.getKVClient().get(ByteSequence.from(new byte[] {0})).get(10, TimeUnit.SECONDS).getHeader()
          .getRevision();
      List<DeltaEvent> events = history(c, base + 1, end);
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(buf);
      for (DeltaEvent e : events) {
        DeltaFormat.encodeEvent(d, e);
      }
      Path delta = dir.resolve("all.delta");
      try (OutputStream out = Files.newOutputStream(delta)) {
        DeltaFormat.write(out, base + 1, end, events.size(), buf.toByteArray(), buf.size());
      }

      Path part = dir.resolve("restored");
      EtcdTools tools = EtcdTools.find(System.getenv());
      BaseRestore.run(tools, snap, part, RestoredMember.alone("r0", "http://127.0.0.1:2380", "t"), dir.resolve("tool.log"),
          Duration.ofMinutes(2));
      try (TempEtcd t = TempEtcd.start(part, "r0", new TempEtcd.Options(Prerequisites.etcd(), "127.0.0.1", 1L << 30,
          Duration.ofMinutes(1), dir.resolve("temp.log")))) {
        DeltaReplayer.Options o = new DeltaReplayer.Options(64, 64, 200, 0.6, 1L << 30, 3600, Duration.ofSeconds(60));
        try (DeltaReplayer r = new DeltaReplayer(t, new EtcdGateway(null, Duration.ofSeconds(10)), base, end, o)) {
          r.replay(delta, "all.delta");
          assertEquals(end, r.finish());
          assertTrue(r.resends() > 0, "the pipeline saw early arrivals (else this test proves nothing)");
        }
        assertEquals(ChainFixture.keyspace(c, end), ChainFixture.keyspace(t.client(), 0), "keyspace at " + end);
      }
    }
  }

  private static List<DeltaEvent> history(Client c, long from, long to) throws Exception {
    List<DeltaEvent> out = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    ByteSequence all = ByteSequence.from(new byte[] {0});
    try (var watch = c.getWatchClient().watch(all, WatchOption.builder().withRange(all).withRevision(from).build(),
        resp -> {
          for (WatchEvent e : resp.getEvents()) {
            KeyValue kv = e.getKeyValue();
            if (kv.getModRevision() <= to) {
              out.add(new DeltaEvent(e.getEventType() == WatchEvent.EventType.PUT ? DeltaEvent.Type.PUT
                  : DeltaEvent.Type.DELETE, kv.getKey().getBytes(), kv.getValue().getBytes(), kv.getCreateRevision(),
                  kv.getModRevision(), kv.getVersion(), kv.getLease()));
            }
            if (kv.getModRevision() >= to) {
              done.countDown();
            }
          }
        })) {
      assertTrue(done.await(30, TimeUnit.SECONDS), "history up to " + to + " not read within 30 s");
    }
    return new ArrayList<>(out);
  }
}
