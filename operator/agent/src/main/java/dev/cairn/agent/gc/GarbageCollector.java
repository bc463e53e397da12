package dev.cairn.agent.gc;

import dev.cairn.agent.inspect.StoreInspector;
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

  /** What one run deleted: snapshots by kind, stray files, and whole archives of abandoned timelines. */
  public record Result(Map<SnapshotKind, Integer> deleted, int strays, int archives) {
    public Result(Map<SnapshotKind, Integer> deleted, int strays) {
      this(deleted, strays, 0);
    }
  }

  private final BackupStore store;
  private final RetentionPolicy policy;
  private final Duration deltaRetention;
  private final Duration strayGrace;
  private final Clock clock;
  private final Duration archiveRetention;
  private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Keeps every archive. */
  public GarbageCollector(
      BackupStore store, RetentionPolicy policy, Duration deltaRetention, Duration strayGrace, Clock clock) {
    this(store, policy, deltaRetention, strayGrace, clock, null);
  }

  /**
   * @param archiveRetention how long an archive of an abandoned timeline (ADR 0008) is kept after its
   *     restore started; null keeps them all
   */
  public GarbageCollector(BackupStore store, RetentionPolicy policy, Duration deltaRetention, Duration strayGrace,
      Clock clock, Duration archiveRetention) {
    this.store = store;
    this.policy = policy;
    this.deltaRetention = deltaRetention;
    this.strayGrace = strayGrace;
    this.clock = clock;
    this.archiveRetention = archiveRetention;
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
    return new Result(deleted, strays, archiveRetention == null ? 0 : collectArchives(now));
  }

  /**
   * Removes archives whose restore started longer ago than the retention, as {@code cairn store
   * archive-remove} would, and only those it would remove without asking: the record is readable and
   * says done (an archive still being filled, or one nothing explains, may hold the only copy of a
   * snapshot), and it is not the newest restore while that restore's timeline has no full snapshot of
   * its own (the agents then take one at once, and the record is what tells them).
   */
  private int collectArchives(Instant now) throws IOException {
    StoreInspector inspector = new StoreInspector(store);
    int removed = 0;
    for (String id : store.listArchives()) {
      StoreInspector.Archive a = inspector.archive(id);
      if (a.record() == null) {
        if (warned.add(id)) { // once per archive and agent run: this repeats every GC period otherwise
          LOG.warn("gc keeps archive {}: {}; remove it with cairn store archive-remove --force once it is not needed",
              id, a.recordProblem());
        }
        continue;
      }
      if (!a.record().done() || !a.record().startedAt().isBefore(now.minus(archiveRetention))) {
        continue;
      }
      try {
        StoreInspector.Removal plan = inspector.planArchiveRemoval(id, false);
        if (plan.warning() != null) {
          continue;
        }
        inspector.removeArchive(id, false);
        removed++;
        LOG.info("gc removed archive {} ({} files; restore to revision {} started {}, older than {})", id,
            a.files().size(), a.record().revision(), a.record().startedAt(), archiveRetention);
      } catch (StoreInspector.Refused e) {
        LOG.info("gc keeps archive {}: {}", id, e.getMessage());
      }
    }
    return removed;
  }
}
