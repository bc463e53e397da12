package dev.cairn.agent.gc;

import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotCatalog.Entry;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoredObject;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies a {@link GcPlan} to the store: metadata file first (the snapshot stops being trusted), then the object. */
public final class GarbageCollector {

  private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

  /** What one run deleted. */
  public record Result(Map<SnapshotKind, Integer> deleted, int strays) {}

  private final BackupStore store;
  private final RetentionPolicy policy;
  private final Duration deltaRetention;
  private final Duration strayGrace;
  private final Clock clock;

  public GarbageCollector(
      BackupStore store, RetentionPolicy policy, Duration deltaRetention, Duration strayGrace, Clock clock) {
    this.store = store;
    this.policy = policy;
    this.deltaRetention = deltaRetention;
    this.strayGrace = strayGrace;
    this.clock = clock;
  }

  public RetentionPolicy policy() {
    return policy;
  }

  public Result run() throws IOException {
    Instant now = clock.instant();
    SnapshotCatalog catalog = SnapshotCatalog.of(store.listAll());
    GcPlan plan = GcPlan.compute(catalog, policy, deltaRetention, strayGrace, now);
    Map<SnapshotKind, Integer> deleted = new EnumMap<>(SnapshotKind.class);
    for (Entry e : plan.snapshots()) {
      store.delete(e.metadata().name());
      store.delete(e.object().name());
      deleted.merge(e.kind(), 1, Integer::sum);
      LOG.info("gc ({}) deleted {} snapshot {}", policy, e.kind().token(), e.object().name());
    }
    for (StoredObject o : plan.strays()) {
      store.delete(o.name());
      LOG.info("gc deleted {} (no matching object or metadata for longer than {})", o.name(), strayGrace);
    }
    int strays = plan.strays().size();
    // Temporaries of staged uploads and interrupted puts: an upload still running is younger than
    // the grace period, so only crashed ones go.
    for (StoredObject t : store.listTemporary()) {
      if (t.lastModified().isBefore(now.minus(strayGrace))) {
        store.deleteTemporary(t.name());
        strays++;
        LOG.info("gc deleted the temporary {} (older than {})", t.name(), strayGrace);
      }
    }
    return new Result(deleted, strays);
  }
}
