package dev.cairn.controller.reconcile;

import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.reconcile.MembershipPlanner.SnapshotState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Final full snapshots before hibernation, one per Etcd, run off the reconcile thread (a snapshot of a
 * large database takes minutes; a reconcile returns and looks again). Kept in memory: after an operator
 * restart the snapshot is simply asked for again, which is harmless.
 */
final class FinalSnapshots implements AutoCloseable {

  /** One attempt: its future, and when it finished (failures are retried after a pause). */
  private record Attempt(CompletableFuture<AgentClient.Snapshot> future, String leader, Instant[] finished) {}

  private final AgentClient agents;
  private final Duration timeout;
  private final Duration retryAfter;
  private final Clock clock;
  private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cairn-final-snapshot");
    t.setDaemon(true);
    return t;
  });

  FinalSnapshots(AgentClient agents, Duration timeout, Duration retryAfter, Clock clock) {
    this.agents = agents;
    this.timeout = timeout;
    this.retryAfter = retryAfter;
    this.clock = clock;
  }

  SnapshotState state(String key) {
    Attempt a = attempts.get(key);
    if (a == null) {
      return SnapshotState.NONE;
    }
    if (!a.future().isDone()) {
      return SnapshotState.RUNNING;
    }
    if (a.future().isCompletedExceptionally()) {
      // After a pause, a failed attempt counts as none, so the next pass asks again.
      if (a.finished()[0] != null && clock.instant().isAfter(a.finished()[0].plus(retryAfter))) {
        attempts.remove(key, a);
        return SnapshotState.NONE;
      }
      return SnapshotState.FAILED;
    }
    return SnapshotState.DONE;
  }

  /** The stored snapshot of a DONE attempt. */
  AgentClient.Snapshot result(String key) {
    return attempts.get(key).future().join();
  }

  /** Why the last attempt failed. */
  String failure(String key) {
    Attempt a = attempts.get(key);
    try {
      a.future().join();
      return null;
    } catch (RuntimeException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return c.getMessage();
    }
  }

  void start(String key, String leader, AgentClient.Target target) {
    Instant[] finished = new Instant[1];
    CompletableFuture<AgentClient.Snapshot> f = CompletableFuture.supplyAsync(() -> {
      try {
        return agents.finalFullSnapshot(target, timeout);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      } finally {
        finished[0] = clock.instant();
      }
    }, executor);
    attempts.put(key, new Attempt(f, leader, finished));
  }

  /** Forgets the attempt (hibernation finished, or was called off). */
  void clear(String key) {
    attempts.remove(key);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
