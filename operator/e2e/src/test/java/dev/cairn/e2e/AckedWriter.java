package dev.cairn.e2e;

import dev.cairn.testkit.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A client writing in the background through whatever members exist, recording every write etcd
 * acknowledged (key, value, revision). Each attempt uses a new key: a write that failed or timed
 * out may still have been applied, so it is neither recorded nor reused. {@link #missingFrom}
 * checks that every acknowledged write is present.
 */
final class AckedWriter implements AutoCloseable {

  /** An acknowledged write. */
  record Ack(String key, String value, long revision) {}

  private final String prefix;
  private final Supplier<List<String>> endpoints;
  private final long pauseMillis;
  private final Map<String, Ack> acked = new ConcurrentSkipListMap<>();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean stopped;
  private volatile String lastError;
  private final Thread thread;

  /**
   * @param prefix every key starts with it (one prefix per writer)
   * @param endpoints the addresses of the members to try, asked before each write
   */
  AckedWriter(String prefix, Supplier<List<String>> endpoints, long pauseMillis) {
    this.prefix = prefix;
    this.endpoints = endpoints;
    this.pauseMillis = pauseMillis;
    this.thread = new Thread(this::run, "acked-writer " + prefix);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    long seq = 0;
    int start = 0;
    List<String> ips = List.of();
    long listedAt = 0;
    boolean failedRound = true;
    while (!stopped) {
      // The members change (scaling, recovery): ask again after a round that failed, else each second.
      if (failedRound || System.nanoTime() - listedAt > 1_000_000_000L) {
        try {
          ips = endpoints.get();
        } catch (RuntimeException e) {
          ips = List.of();
          lastError = "no endpoints: " + e;
        }
        listedAt = System.nanoTime();
      }
      failedRound = true;
      for (int i = 0; i < ips.size() && !stopped; i++) {
        String ip = ips.get((start + i) % ips.size());
        String key = prefix + String.format("%08d", seq++);
        String value = "v" + seq + "@" + ip;
        attempts.incrementAndGet();
        try {
          long rev = Kv.put(ip, key, value);
          acked.put(key, new Ack(key, value, rev));
          start = (start + i) % ips.size();
          failedRound = false;
          break;
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          lastError = e.getMessage();
        }
      }
      try {
        Thread.sleep(pauseMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Waits until at least {@code n} more writes than now were acknowledged. */
  void awaitMoreAcks(int n, java.time.Duration max) {
    int target = acked.size() + n;
    Await.until(n + " more acknowledged writes by " + prefix + " (have " + acked.size() + ")", max,
        () -> acked.size() >= target, this::describe);
  }

  int ackedCount() {
    return acked.size();
  }

  /** The acknowledged writes so far, by key. */
  Map<String, Ack> acked() {
    return new TreeMap<>(acked);
  }

  /** The highest revision acknowledged so far (0 when none). */
  long lastAckedRevision() {
    return acked.values().stream().mapToLong(Ack::revision).max().orElse(0);
  }

  /** Stops writing; returns when the writer thread has ended (no write is in flight after it). */
  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The acknowledged writes (up to {@code maxRevision}, 0 for all) that {@code keyspace} lacks or holds otherwise. */
  List<String> missingFrom(Map<String, String> keyspace, long maxRevision) {
    List<String> missing = new ArrayList<>();
    for (Ack a : acked.values()) {
      if (maxRevision > 0 && a.revision() > maxRevision) {
        continue;
      }
      if (!a.value().equals(keyspace.get(a.key()))) {
        missing.add(a.key() + "@" + a.revision() + (keyspace.containsKey(a.key()) ? " (other value)" : ""));
      }
    }
    return missing;
  }

  String describe() {
    return prefix + ": " + acked.size() + " acknowledged of " + attempts.get() + " attempts, " + failures.get()
        + " failed" + (lastError == null ? "" : "; last error: " + lastError);
  }
}
