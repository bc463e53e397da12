package dev.cairn.agent.gc;

import dev.cairn.agent.inspect.StoreInspector;
import dev.cairn.agent.restore.TimelineArchiver;
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
import java.util.Optional;
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
  /** How often archives are looked at, when a retention is set. */
  static final Duration ARCHIVE_SWEEP = Duration.ofHours(1);
  private final java.util.Set<String> leftAlone = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile Instant lastArchiveSweep;

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
   *
   * <p>At most once per {@link #ARCHIVE_SWEEP} (the retention is at least that long, so nothing is
   * kept much longer than asked): reading an archive lists its folder, and archives can be far
   * larger than the live store. A folder that cannot be collected at all (no or an unreadable record,
   * a name that is not an archive id, a file that is not a snapshot's) is reported once and then left
   * alone for the life of this collector; one such folder never stops the others.
   */
  private int collectArchives(Instant now) throws IOException {
    if (lastArchiveSweep != null && now.isBefore(lastArchiveSweep.plus(ARCHIVE_SWEEP))) {
      return 0;
    }
    lastArchiveSweep = now;
    StoreInspector inspector = new StoreInspector(store);
    int removed = 0;
    for (String id : store.listArchives()) {
      if (leftAlone.contains(id)) {
        continue;
      }
      try {
        Optional<TimelineArchiver.Record> rec;
        try {
          rec = TimelineArchiver.readRecord(store, id);
        } catch (TimelineArchiver.UnreadableRecord e) {
          leaveAlone(id, e.getMessage() + "; remove it with cairn store archive-remove --force once it is not needed");
          continue;
        }
        if (rec.isEmpty()) {
          leaveAlone(id, "it holds no record " + TimelineArchiver.RECORD + " (not written by a cairn restore, or its"
              + " first step never finished); remove it with cairn store archive-remove --force once it is not needed");
          continue;
        }
        if (!rec.get().done() || !rec.get().startedAt().isBefore(now.minus(archiveRetention))) {
          continue;
        }
        StoreInspector.Removal plan = inspector.planArchiveRemoval(id, false);
        if (plan.warning() != null) {
          continue;
        }
        StoreInspector.Removal done = inspector.removeArchive(id, false);
        removed++;
        LOG.info("gc removed archive {} ({} files; restore to revision {} started {}, older than {})", id,
            done.removed().size(), rec.get().revision(), rec.get().startedAt(), archiveRetention);
      } catch (StoreInspector.Refused e) {
        LOG.info("gc keeps archive {}: {}", id, e.getMessage());
      } catch (IllegalArgumentException e) {
        leaveAlone(id, e.getMessage());
      } catch (IOException e) {
        // The store failed for this folder: the others still get their turn, and the sweep is retried
        // at the next run rather than in an hour.
        LOG.warn("gc could not look at archive {} (tried again at the next run): {}", id, e.getMessage());
        lastArchiveSweep = null;
      }
    }
    return removed;
  }

  private void leaveAlone(String id, String why) {
    if (leftAlone.add(id)) {
      LOG.warn("gc leaves archive folder {} alone: {}", id, why);
    }
  }
}
