package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A delta watch that starts far behind (agent restart, leader change) gets catch-up responses of up
 * to 1000 revisions each from etcd. With revisions of several KiB such a response is larger than
 * gRPC's default 4 MiB message limit; the agent's client must accept it, or the watch fails and is
 * reopened at the same revision forever (found by hack/bench-delta.sh with transactions of 10 puts).
 */
class DeltaCatchUpIT {

  @Test
  void aWatchStartingFarBehindCatchesUpThroughLargeResponses() throws Exception {
    Path dir = TestDirs.create(DeltaCatchUpIT.class, "catchup");
    int revisions = 1200;
    int putsPerTxn = 8;
    byte[] value = new byte[1024];
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client writer = etcd.client();
        EtcdNode node = new EtcdNode(etcd.member(0).clientUrl(), Duration.ofSeconds(10))) {
      long first = writer.getKVClient().put(bs("start"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision() + 1;
      List<CompletableFuture<?>> txns = new ArrayList<>();
      for (int r = 0; r < revisions; r++) {
        Op[] ops = new Op[putsPerTxn];
        for (int j = 0; j < putsPerTxn; j++) {
          ops[j] = Op.put(bs("k/" + r + "/" + j), ByteSequence.from(value), PutOption.DEFAULT);
        }
        txns.add(writer.getKVClient().txn().Then(ops).commit());
        if (txns.size() == 100) {
          CompletableFuture.allOf(txns.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
          txns.clear();
        }
      }
      CompletableFuture.allOf(txns.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      long last = first + revisions - 1;

      List<DeltaSegment> segments = new CopyOnWriteArrayList<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      DeltaCapture.Listener listener = new DeltaCapture.Listener() {
        @Override
        public void compacted(long compactRevision) {
          errors.add(new IllegalStateException("compacted at " + compactRevision));
        }

        @Override
        public void watchError(Throwable error) {
          errors.add(error);
        }

        @Override
        public void watchHealthy() {}
      };
      try (DeltaCapture capture = new DeltaCapture(node.client(), dir.resolve("scratch"), 256L * 1024 * 1024,
          segments::add, listener, Clock.systemUTC(), Duration.ofMillis(200))) {
        capture.start(first);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (capture.lastRevision() < last) {
          assertTrue(System.nanoTime() < deadline, "the watch reached revision " + capture.lastRevision() + " of " + last
              + " within 60 s; watch errors: " + errors);
          Thread.sleep(50);
        }
        assertEquals(List.of(), errors, "the catch-up needed no reconnect");
        Optional<DeltaSegment> seg = capture.cut();
        assertTrue(seg.isPresent());
        assertEquals(first, seg.get().startRevision());
        assertEquals(last, seg.get().endRevision());
        assertEquals((long) revisions * putsPerTxn, seg.get().eventCount());
        try (InputStream in = Files.newInputStream(seg.get().file())) {
          List<DeltaEvent> events = DeltaFormat.readAll(in);
          assertEquals(revisions * putsPerTxn, events.size());
          // The txns were sent 100 at a time, so etcd may have ordered them differently from the
          // loop: check revision order, not which key came first.
          assertEquals(first, events.get(0).modRevision());
          for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).modRevision() >= events.get(i - 1).modRevision(), "events out of revision order at " + i);
          }
          assertEquals(last, events.get(events.size() - 1).modRevision());
        }
      }
    }
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
