package dev.cairn.agent.bench;

import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.snapshot.DeltaEvent;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.store.StoredObject;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The delta capture benchmark behind hack/bench-delta.sh: writes 1 KiB values to etcd at a target
 * rate for a fixed time (jetcd, several connections, many requests in flight; each request one put,
 * or a transaction of BATCH puts), while a running agent stores deltas; lists the store every 100 ms
 * to see when each delta appears; then reads every stored delta back and checks that it holds each
 * acknowledged put exactly once, with its key, value and revision, in order.
 *
 * <p>{@code DeltaBench ETCD_URL STORE_URL RATE SECONDS PERIOD_SECONDS BATCH}; store credentials from
 * AWS_* variables. Prints the figures; exits 1 when the lag bound (2 x period) or the exactly-once
 * check fails.
 */
public final class DeltaBench {
  private DeltaBench() {}

  private static final int VALUE = 1024;
  private static final int KEYS = 50_000;
  private static final int CLIENTS = 4;

  /** The value of write number {@code i}: its number, then a pattern derived from it. */
  static byte[] value(int i) {
    byte[] v = new byte[VALUE];
    ByteBuffer.wrap(v).putInt(i);
    for (int j = 4; j < VALUE; j++) {
      v[j] = (byte) (i * 31 + j);
    }
    return v;
  }

  static String key(int i) {
    return "bench/" + (i % KEYS);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static double median(double[] sorted) {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
  }

  private static double max(double[] sorted) {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
  }

  public static void main(String[] a) throws Exception {
    String endpoint = a[0];
    String storeUrl = a[1];
    int rate = Integer.parseInt(a[2]);
    int seconds = Integer.parseInt(a[3]);
    double period = Double.parseDouble(a[4]);
    int batch = Integer.parseInt(a[5]);
    int inFlightMax = Math.max(64, 2048 / batch);
    S3Store store = (S3Store) StoreUrl.parse(storeUrl).open(null, System.getenv());
    long fullEnd = SnapshotCatalog.of(store.listAll()).newestFull()
        .orElseThrow(() -> new IllegalStateException("start the agent first: no full snapshot in " + store.describe()))
        .endRevision();

    // When each object was first listed (wall clock, comparable with the agent's names).
    Map<String, Long> listedAt = new ConcurrentHashMap<>();
    AtomicReference<Exception> pollFailure = new AtomicReference<>();
    Thread poller = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          long now = System.currentTimeMillis();
          for (StoredObject o : store.listAll()) {
            listedAt.putIfAbsent(o.name(), now);
          }
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          pollFailure.set(e);
        }
      }
    }, "store-poller");
    poller.setDaemon(true);
    poller.start();

    // Write i is put number i; a request carries writes [r * batch, (r + 1) * batch).
    int maxRequests = (int) Math.min(Integer.MAX_VALUE / batch - 1, (long) rate * seconds / batch + 1);
    long[] revisionOf = new long[maxRequests];
    long[] ackedAt = new long[maxRequests];
    Client[] clients = new Client[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
      clients[c] = Client.builder().endpoints(endpoint).build();
    }
    Semaphore inFlight = new Semaphore(inFlightMax);
    AtomicLong failed = new AtomicLong();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    double requestInterval = 1e9 * batch / rate;
    int requests = 0;
    while (requests < maxRequests) {
      long now = System.nanoTime();
      if (now >= end) {
        break;
      }
      long due = start + (long) (requests * requestInterval);
      if (now < due) {
        if (due - now > 200_000) {
          Thread.sleep(0, 100_000);
        } else {
          Thread.onSpinWait();
        }
        continue;
      }
      inFlight.acquire();
      int r = requests++;
      int first = r * batch;
      CompletableFuture<Long> revision;
      if (batch == 1) {
        revision = clients[r % CLIENTS].getKVClient().put(bs(key(first)), ByteSequence.from(value(first)))
            .thenApply(p -> p.getHeader().getRevision());
      } else {
        Op[] ops = new Op[batch];
        for (int j = 0; j < batch; j++) {
          ops[j] = Op.put(bs(key(first + j)), ByteSequence.from(value(first + j)), PutOption.DEFAULT);
        }
        revision = clients[r % CLIENTS].getKVClient().txn().Then(ops).commit()
            .thenApply(t -> t.getHeader().getRevision());
      }
      revision.whenComplete((rev, e) -> {
        if (e != null) {
          failed.incrementAndGet();
        } else {
          revisionOf[r] = rev;
          ackedAt[r] = System.currentTimeMillis();
        }
        inFlight.release();
      });
    }
    inFlight.acquire(inFlightMax);
    double writeSeconds = (System.nanoTime() - start) / 1e9;
    long puts = (long) requests * batch;
    for (Client c : clients) {
      c.close();
    }
    long lastRevision = Arrays.stream(revisionOf, 0, requests).max().orElse(fullEnd);
    System.out.printf("writer        %d puts of 1 KiB in %.1f s: %.0f puts/s (target %d), %s, %d connections,"
            + " <= %d requests in flight, %d failed%n", puts, writeSeconds, puts / writeSeconds, rate,
        batch == 1 ? "one put per request" : batch + " puts per transaction", CLIENTS, inFlightMax, failed.get());

    // Wait (bounded) for the deltas to reach the last acknowledged revision.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos((long) (10 * period) + 120);
    SnapshotCatalog cat;
    while (true) {
      cat = SnapshotCatalog.of(store.listAll());
      if (cat.newestEndRevision() >= lastRevision) {
        break;
      }
      if (System.nanoTime() > deadline) {
        System.out.printf("FAIL: the store reached revision %d of %d within the wait%n", cat.newestEndRevision(),
            lastRevision);
        System.exit(1);
      }
      Thread.sleep(200);
    }
    Thread.sleep(300); // one more poll, so the last delta has its listing time
    poller.interrupt();
    poller.join();

    // Read every delta back: each acknowledged put exactly once, at its revision, in request order.
    Map<Long, Integer> requestAt = new HashMap<>(requests * 2);
    for (int r = 0; r < requests; r++) {
      if (revisionOf[r] > 0 && requestAt.put(revisionOf[r], r) != null) {
        throw new IllegalStateException("two requests acknowledged with revision " + revisionOf[r]);
      }
    }
    List<Double> lags = new ArrayList<>();
    List<Double> toUpload = new ArrayList<>();
    List<Double> upload = new ArrayList<>();
    long expectStart = fullEnd + 1;
    long events = 0;
    int deltas = 0;
    boolean ok = failed.get() == 0;
    byte[] seen = new byte[requests * batch];
    long currentRev = -1;
    int indexInRev = 0;
    for (SnapshotCatalog.Entry e : cat.snapshots()) {
      if (e.kind() != SnapshotKind.DELTA || e.endRevision() <= fullEnd) {
        continue;
      }
      deltas++;
      if (e.startRevision() != expectStart) {
        System.out.printf("FAIL: delta %s starts at %d, expected %d%n", e.object().name(), e.startRevision(), expectStart);
        ok = false;
      }
      expectStart = e.endRevision() + 1;
      long oldestCommit = Long.MAX_VALUE;
      for (DeltaEvent ev : SnapshotService.readDelta(store, e.name(), null)) {
        events++;
        if (ev.modRevision() != currentRev) {
          currentRev = ev.modRevision();
          indexInRev = 0;
        }
        Integer r = requestAt.get(ev.modRevision());
        int i = r == null ? -1 : r * batch + indexInRev++;
        if (r == null || indexInRev > batch || ev.type() != DeltaEvent.Type.PUT
            || !key(i).equals(new String(ev.key(), StandardCharsets.UTF_8)) || !Arrays.equals(value(i), ev.value())) {
          System.out.printf("FAIL: event at revision %d is not the acknowledged put%n", ev.modRevision());
          ok = false;
          continue;
        }
        if (seen[i]++ != 0) {
          System.out.printf("FAIL: put %d (revision %d) stored twice%n", i, ev.modRevision());
          ok = false;
        }
        oldestCommit = Math.min(oldestCommit, ackedAt[r]);
      }
      Long listed = listedAt.get(e.metadata().name());
      if (listed != null && oldestCommit != Long.MAX_VALUE) {
        long created = e.created().toEpochMilli(); // when the agent began uploading the cut delta
        lags.add((listed - oldestCommit) / 1000.0);
        toUpload.add((created - oldestCommit) / 1000.0);
        upload.add((listed - created) / 1000.0);
      }
    }
    long acknowledged = 0;
    long missing = 0;
    for (int r = 0; r < requests; r++) {
      if (revisionOf[r] > 0) {
        for (int j = 0; j < batch; j++) {
          acknowledged++;
          missing += seen[r * batch + j] == 0 ? 1 : 0;
        }
      }
    }
    ok &= missing == 0 && events == acknowledged;
    double[] l = lags.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] t = toUpload.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] u = upload.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    boolean lagOk = l.length == deltas && max(l) < 2 * period;
    System.out.printf("deltas        %d stored for revisions %d..%d (period %.0f s)%n", deltas, fullEnd + 1,
        expectStart - 1, period);
    System.out.printf("lag           oldest commit in a delta -> delta listed in the store: median %.1f s, max %.1f s"
        + " (bound 2 x period = %.0f s; %d of %d deltas timed): %s%n", median(l), max(l), 2 * period, l.length, deltas,
        lagOk ? "OK" : "FAIL");
    System.out.printf("              of which commit -> upload start (watch, period, cut): median %.1f s, max %.1f s;"
        + " upload start -> listed: median %.1f s, max %.1f s%n", median(t), max(t), median(u), max(u));
    System.out.printf("exactly once  %d events read back = %d puts acknowledged, %d missing, each once at its revision"
        + " with its key and value: %s%n", events, acknowledged, missing, ok ? "OK" : "FAIL");
    System.out.printf("cpu seconds   writer and verifier JVM: %.1f%n",
        ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(Double.NaN));
    if (pollFailure.get() != null) {
      System.out.println("note: a store listing failed during the run: " + pollFailure.get());
    }
    store.close();
    System.exit(ok && lagOk ? 0 : 1);
  }
}
