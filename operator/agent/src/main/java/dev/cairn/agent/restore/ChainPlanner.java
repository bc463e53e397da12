package dev.cairn.agent.restore;

import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the objects of a restore from a store listing, from names alone (pure: no I/O). It refuses,
 * with the reachable revisions in the message, what the chain cannot give: a revision below the
 * oldest full snapshot or beyond the last delta, a revision inside a gap, or a latest restore across a
 * gap (restoring up to the gap would silently lose everything after it).
 */
public final class ChainPlanner {

  private ChainPlanner() {}

  /** A full snapshot and how far its deltas reach without a gap. */
  record Walk(SnapshotCatalog.Entry full, List<SnapshotCatalog.Entry> deltas, long reached, long gapFrom,
      long gapTo, SnapshotCatalog.Entry afterGap) {
    boolean hasGap() {
      return gapFrom > 0;
    }
  }

  public static RestorePlan plan(SnapshotCatalog catalog, RestoreTarget target) throws RestoreException {
    List<SnapshotCatalog.Entry> all = catalog.snapshots();
    List<SnapshotCatalog.Entry> fulls = all.stream().filter(e -> e.kind() == SnapshotKind.FULL)
        .sorted(Comparator.comparingLong(SnapshotCatalog.Entry::endRevision)
            .thenComparing(SnapshotCatalog.Entry::created))
        .toList();
    if (fulls.isEmpty()) {
      throw new RestoreException(RestoreException.Reason.NO_SNAPSHOT,
          "the store holds no full snapshot (with its metadata file) to restore from"
              + (all.isEmpty() ? "" : "; it holds " + all.size() + " delta(s), which need a full snapshot below them"));
    }
    List<SnapshotCatalog.Entry> deltas = all.stream().filter(e -> e.kind() == SnapshotKind.DELTA)
        .sorted(Comparator.comparingLong(SnapshotCatalog.Entry::endRevision)
            .thenComparingLong(SnapshotCatalog.Entry::startRevision))
        .toList();
    if (target instanceof RestoreTarget.Latest) {
      SnapshotCatalog.Entry full = catalog.newestFull().orElseThrow();
      Walk w = walk(full, deltas, Long.MAX_VALUE);
      if (w.hasGap()) {
        throw new RestoreException(RestoreException.Reason.GAP,
            "the chain after full snapshot " + full.object().name() + " has a gap: revisions " + w.gapFrom() + ".."
                + w.gapTo() + " are in no delta (the next delta, " + w.afterGap().object().name() + ", starts at "
                + w.afterGap().startRevision() + "). The newest state reachable without the gap is revision "
                + w.reached() + "; restore to it with --revision " + w.reached()
                + " only if losing the revisions after it is acceptable, or put the missing delta back in the store");
      }
      return new RestorePlan(target, full, w.deltas(), w.reached());
    }
    if (target instanceof RestoreTarget.Snapshot s) {
      SnapshotCatalog.Entry e = find(all, s.name()).orElseThrow(() -> new RestoreException(
          RestoreException.Reason.UNKNOWN_SNAPSHOT,
          "snapshot " + s.name() + " is not in the store (or has no metadata file, so it is not trusted); newest"
              + " snapshots: " + newestNames(all, 5)));
      if (e.kind() == SnapshotKind.FULL) {
        return new RestorePlan(target, e, List.of(), e.endRevision());
      }
      return byRevision(target, e.endRevision(), fulls, deltas);
    }
    RestoreTarget.Revision r = (RestoreTarget.Revision) target;
    return byRevision(target, r.revision(), fulls, deltas);
  }

  private static RestorePlan byRevision(RestoreTarget target, long revision, List<SnapshotCatalog.Entry> fulls,
      List<SnapshotCatalog.Entry> deltas) throws RestoreException {
    for (int i = fulls.size() - 1; i >= 0; i--) {
      SnapshotCatalog.Entry full = fulls.get(i);
      if (full.endRevision() > revision) {
        continue;
      }
      Walk w = walk(full, deltas, revision);
      if (w.reached() >= revision) {
        List<SnapshotCatalog.Entry> used = new ArrayList<>(w.deltas());
        return new RestorePlan(target, full, used, revision);
      }
    }
    throw new RestoreException(RestoreException.Reason.UNREACHABLE_REVISION,
        "revision " + revision + " cannot be restored from this store: " + reachability(revision, fulls, deltas));
  }

  /** Follows the deltas from a full snapshot up to {@code limit} or the first gap. */
  static Walk walk(SnapshotCatalog.Entry full, List<SnapshotCatalog.Entry> deltas, long limit) {
    long reached = full.endRevision();
    List<SnapshotCatalog.Entry> used = new ArrayList<>();
    for (SnapshotCatalog.Entry d : deltas) {
      if (reached >= limit) {
        break;
      }
      if (d.endRevision() <= reached) {
        continue; // wholly covered: an older chain, or an overlap across a leader change
      }
      if (d.startRevision() > reached + 1) {
        return new Walk(full, used, reached, reached + 1, d.startRevision() - 1, d);
      }
      used.add(d);
      reached = d.endRevision();
    }
    return new Walk(full, used, Math.min(reached, limit), 0, 0, null);
  }

  /** The reachable revision ranges, merged, and the nearest ones around {@code revision}. */
  static String reachability(long revision, List<SnapshotCatalog.Entry> fulls, List<SnapshotCatalog.Entry> deltas) {
    List<long[]> ranges = new ArrayList<>();
    for (SnapshotCatalog.Entry f : fulls) {
      Walk w = walk(f, deltas, Long.MAX_VALUE);
      ranges.add(new long[] {f.endRevision(), w.reached()});
    }
    ranges.sort(Comparator.comparingLong(a -> a[0]));
    List<long[]> merged = new ArrayList<>();
    for (long[] r : ranges) {
      if (!merged.isEmpty() && r[0] <= merged.get(merged.size() - 1)[1] + 1) {
        long[] last = merged.get(merged.size() - 1);
        last[1] = Math.max(last[1], r[1]);
      } else {
        merged.add(r.clone());
      }
    }
    long below = -1;
    long above = -1;
    StringBuilder b = new StringBuilder("the store reaches revisions ");
    for (int i = 0; i < merged.size(); i++) {
      long[] r = merged.get(i);
      if (i > 0) {
        b.append(", ");
      }
      b.append(r[0] == r[1] ? Long.toString(r[0]) : r[0] + ".." + r[1]);
      if (r[1] < revision) {
        below = r[1];
      }
      if (r[0] > revision && above < 0) {
        above = r[0];
      }
    }
    b.append(" (each range starts at a full snapshot; a range ends at a gap or the newest delta)");
    if (below >= 0 || above >= 0) {
      b.append("; nearest reachable revision(s): ");
      if (below >= 0) {
        b.append(below).append(" (below)");
      }
      if (above >= 0) {
        b.append(below >= 0 ? ", " : "").append(above).append(" (above)");
      }
    }
    return b.toString();
  }

  private static Optional<SnapshotCatalog.Entry> find(List<SnapshotCatalog.Entry> all, String name) {
    String n = name.strip();
    for (SnapshotCatalog.Entry e : all) {
      SnapshotName sn = e.name();
      if (e.object().name().equals(n) || sn.baseName().equals(n) || sn.metadataName().equals(n)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static String newestNames(List<SnapshotCatalog.Entry> all, int n) {
    List<String> names = new ArrayList<>();
    for (int i = all.size() - 1; i >= 0 && names.size() < n; i--) {
      names.add(all.get(i).object().name());
    }
    return names.isEmpty() ? "(none)" : String.join(", ", names);
  }
}
