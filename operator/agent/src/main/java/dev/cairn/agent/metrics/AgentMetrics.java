package dev.cairn.agent.metrics;

import dev.cairn.agent.snapshot.SnapshotKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's metrics, scraped from {@code /metrics} in the Prometheus text format. Names and tags are
 * part of the documented interface (docs/backups.md); secrets never appear in them.
 */
public final class AgentMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<SnapshotKind, AtomicLong> latestRevision = new EnumMap<>(SnapshotKind.class);
  private final Map<SnapshotKind, AtomicLong> latestTime = new EnumMap<>(SnapshotKind.class);
  private final AtomicLong leader = new AtomicLong();
  private final AtomicLong healthy = new AtomicLong();
  private final AtomicLong deltaLagMillis = new AtomicLong();
  private final AtomicLong deltaBuffered = new AtomicLong();
  private final AtomicLong deltaPending = new AtomicLong();

  public AgentMetrics() {
    for (SnapshotKind k : SnapshotKind.values()) {
      AtomicLong rev = new AtomicLong();
      AtomicLong time = new AtomicLong();
      latestRevision.put(k, rev);
      latestTime.put(k, time);
      Gauge.builder("cairn_agent_snapshot_latest_revision", rev, AtomicLong::get)
          .description("End revision of the newest snapshot this agent stored or found, per kind")
          .tag("kind", k.token())
          .register(registry);
      Gauge.builder("cairn_agent_snapshot_latest_timestamp_seconds", time, t -> t.get() / 1000.0)
          .description("Creation time (Unix seconds) of the newest snapshot per kind")
          .tag("kind", k.token())
          .register(registry);
    }
    Gauge.builder("cairn_agent_leader", leader, AtomicLong::get)
        .description("1 when this agent's member is the etcd leader and the agent takes snapshots")
        .register(registry);
    Gauge.builder("cairn_agent_healthy", healthy, AtomicLong::get)
        .description("1 when etcd answers and the snapshotter is healthy (what /healthz says)")
        .register(registry);
    Gauge.builder("cairn_agent_delta_lag_seconds", deltaLagMillis, t -> t.get() / 1000.0)
        .description("For the last stored delta: time from receiving its oldest event to the delta being stored")
        .register(registry);
    Gauge.builder("cairn_agent_delta_buffered_bytes", deltaBuffered, AtomicLong::get)
        .description("Bytes of watch events buffered in memory for the next delta")
        .register(registry);
    Gauge.builder("cairn_agent_delta_pending_segments", deltaPending, AtomicLong::get)
        .description("Cut deltas on the scratch disk waiting for upload")
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  public void snapshotStored(SnapshotKind kind, long endRevision, long createdMillis, long size, Duration took) {
    Timer.builder("cairn_agent_snapshot_duration_seconds")
        .description("Time to take and store a snapshot")
        .tag("kind", kind.token())
        .register(registry)
        .record(took);
    DistributionSummary.builder("cairn_agent_snapshot_size_bytes")
        .description("Stored size of snapshots")
        .baseUnit("bytes")
        .tag("kind", kind.token())
        .register(registry)
        .record(size);
    observeLatest(kind, endRevision, createdMillis);
  }

  /** Records the newest snapshot of a kind seen in the store (also those taken by a former leader). */
  public void observeLatest(SnapshotKind kind, long endRevision, long createdMillis) {
    latestRevision.get(kind).accumulateAndGet(endRevision, Math::max);
    latestTime.get(kind).accumulateAndGet(createdMillis, Math::max);
  }

  /** A snapshot attempt failed; {@code cause} is a small fixed vocabulary (docs/backups.md). */
  public void snapshotFailed(SnapshotKind kind, String cause) {
    Counter.builder("cairn_agent_snapshot_failures_total")
        .description("Failed snapshot attempts by kind and cause")
        .tag("kind", kind.token())
        .tag("cause", cause)
        .register(registry)
        .increment();
  }

  public void gcDeleted(SnapshotKind kind, int count) {
    Counter.builder("cairn_agent_gc_deleted_total")
        .description("Snapshots deleted by garbage collection")
        .tag("kind", kind.token())
        .register(registry)
        .increment(count);
  }

  public void gcArchivesRemoved(int count) {
    Counter.builder("cairn_agent_gc_archives_removed_total")
        .description("Archives of abandoned timelines removed by garbage collection (archive retention)")
        .register(registry)
        .increment(count);
  }

  public void storeError(String operation) {
    Counter.builder("cairn_agent_store_errors_total")
        .description("Failed backup store calls by operation")
        .tag("operation", operation)
        .register(registry)
        .increment();
  }

  public void deltaEvents(long count) {
    Counter.builder("cairn_agent_delta_events_total")
        .description("Watch events stored in delta snapshots")
        .register(registry)
        .increment(count);
  }

  public void leader(boolean isLeader) {
    leader.set(isLeader ? 1 : 0);
  }

  public void healthy(boolean ok) {
    healthy.set(ok ? 1 : 0);
  }

  public void deltaLag(Duration lag) {
    deltaLagMillis.set(lag.toMillis());
  }

  public void deltaBuffered(long bytes, long pendingSegments) {
    deltaBuffered.set(bytes);
    deltaPending.set(pendingSegments);
  }

  public long latestRevision(SnapshotKind kind) {
    return latestRevision.get(kind).get();
  }
}
