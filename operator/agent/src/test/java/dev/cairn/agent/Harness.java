package dev.cairn.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.metrics.AgentMetrics;
import dev.cairn.agent.snapshot.DeltaEvent;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoreUrl;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Shared pieces of the agent's integration tests: configs, a writer, history checks, waits. */
final class Harness {

  private Harness() {}

  static AgentConfig config(URI endpoint, String storeUrl, Path scratch) {
    AgentConfig c = new AgentConfig();
    c.etcdEndpoint = endpoint;
    c.memberName = "m";
    c.store = StoreUrl.parse(storeUrl);
    c.scratchDir = scratch;
    c.fullSchedule = null;
    c.deltaPeriod = Duration.ofMillis(500);
    c.deltaMemoryLimit = 16 * 1024;
    c.heartbeat = Duration.ofMillis(200);
    c.retryInitial = Duration.ofMillis(100);
    c.retryMax = Duration.ofSeconds(1);
    c.fullRetryDelay = Duration.ofSeconds(1);
    c.etcdTimeout = Duration.ofSeconds(5);
    return c;
  }

  /** Records lease renewals instead of talking to Kubernetes. */
  static final class FakeLeases implements LeasePort {
    final List<String> member = new CopyOnWriteArrayList<>();
    final List<String> snapshots = new CopyOnWriteArrayList<>();

    @Override
    public void renewMemberLease(String holderIdentity) {
      member.add(holderIdentity);
    }

    @Override
    public void renewSnapshotLease(SnapshotKind kind, long endRevision, Instant snapshotTime) {
      snapshots.add(kind.token() + ":" + endRevision);
    }
  }

  static SnapshotService service(AgentConfig c, BackupStore store, LeasePort leases) throws Exception {
    return new SnapshotService(c, new EtcdNode(c.etcdEndpoint, c.etcdTimeout), store, leases, new AgentMetrics(),
        Clock.systemUTC(), RevisionSource.datadir());
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static void await(String what, Duration timeout, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Writes puts, deletes, multi-op transactions and leased keys until stopped; tolerates failures. */
  static final class Writer implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong ops = new AtomicLong();
    final Thread thread;

    Writer(Client client) {
      thread = new Thread(() -> {
        long lease = 0;
        int i = 0;
        while (!stop.get()) {
          try {
            int k = i % 37;
            switch (i % 5) {
              case 0, 1 -> client.getKVClient().put(bs("key/" + k), bs("v" + i)).get(5, TimeUnit.SECONDS);
              case 2 -> client.getKVClient().delete(bs("key/" + ((k + 7) % 37))).get(5, TimeUnit.SECONDS);
              case 3 -> {
                Txn txn = client.getKVClient().txn();
                txn.Then(Op.put(bs("txn/a" + k), bs("x" + i), PutOption.DEFAULT),
                    Op.put(bs("txn/b" + k), bs("y" + i), PutOption.DEFAULT),
                    Op.delete(bs("key/" + ((k + 3) % 37)), DeleteOption.DEFAULT)).commit().get(5, TimeUnit.SECONDS);
              }
              default -> {
                if (lease == 0) {
                  lease = client.getLeaseClient().grant(600).get(5, TimeUnit.SECONDS).getID();
                }
                client.getKVClient().put(bs("leased/" + k), bs("l" + i), PutOption.builder().withLeaseId(lease).build())
                    .get(5, TimeUnit.SECONDS);
              }
            }
            ops.incrementAndGet();
          } catch (Exception e) {
            sleep(50);
          }
          i++;
          if (i % 20 == 0) {
            sleep(5);
          }
        }
      }, "test-writer");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(20_000);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static long currentRevision(Client c) throws Exception {
    return c.getKVClient().get(bs("\0")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /** Every event etcd has in [from, to], from its own history (a watch). */
  static List<DeltaEvent> history(Client c, long from, long to) throws Exception {
    List<DeltaEvent> out = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    if (to < from) {
      return List.of();
    }
    ByteSequence all = ByteSequence.from(new byte[] {0});
    try (var w = c.getWatchClient().watch(all, WatchOption.builder().withRange(all).withRevision(from).build(), r -> {
      boolean reached = false;
      for (WatchEvent e : r.getEvents()) {
        KeyValue kv = e.getKeyValue();
        if (kv.getModRevision() <= to) {
          out.add(new DeltaEvent(e.getEventType() == WatchEvent.EventType.PUT ? DeltaEvent.Type.PUT : DeltaEvent.Type.DELETE,
              kv.getKey().getBytes(), kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision(),
              kv.getVersion(), kv.getLease()));
        }
        reached |= kv.getModRevision() >= to;
      }
      // Only after the whole response: a txn's revision holds several events, and counting down at
      // the first of them let the reader copy the list before the others were added.
      if (reached) {
        done.countDown();
      }
    })) {
      assertTrue(done.await(30, TimeUnit.SECONDS), "etcd history up to " + to + " not read within 30 s");
    }
    return new ArrayList<>(out);
  }

  /**
   * Checks that the deltas stored after the first full snapshot form one contiguous run of
   * revisions and hold exactly etcd's history: every event once, every field equal.
   *
   * @return the end revision the deltas reach
   */
  static long verifyDeltasAgainstHistory(BackupStore store, Client c, EncryptionKey key) throws Exception {
    SnapshotCatalog cat = SnapshotCatalog.of(store.listAll());
    assertTrue(!cat.fulls().isEmpty(), "no full snapshot stored");
    long base = cat.fulls().get(0).endRevision();
    long expectStart = base + 1;
    List<DeltaEvent> stored = new ArrayList<>();
    for (SnapshotCatalog.Entry e : cat.snapshots()) {
      if (e.kind() != SnapshotKind.DELTA || e.endRevision() <= base) {
        continue;
      }
      assertEquals(expectStart, e.startRevision(), "delta " + e.object().name() + " does not follow the previous one");
      List<DeltaEvent> ev = SnapshotService.readDelta(store, e.name(), key);
      assertTrue(!ev.isEmpty(), "empty delta " + e.object().name());
      assertEquals(e.endRevision(), ev.get(ev.size() - 1).modRevision());
      stored.addAll(ev);
      expectStart = e.endRevision() + 1;
    }
    long end = expectStart - 1;
    List<DeltaEvent> hist = history(c, base + 1, end);
    assertEquals(hist.size(), stored.size(), "stored event count vs etcd history " + (base + 1) + ".." + end);
    for (int i = 0; i < hist.size(); i++) {
      assertEquals(hist.get(i), stored.get(i), "event " + i);
    }
    return end;
  }
}
