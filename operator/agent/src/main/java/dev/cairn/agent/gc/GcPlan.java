package dev.cairn.agent.gc;

import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotCatalog.Entry;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.store.StoredObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What one garbage collection deletes, computed from a catalog without touching the store. Rules, in
 * order: the newest full snapshot and every delta after it are never deleted; a full snapshot goes
 * when the policy does not keep it; a delta goes with the full snapshot it follows (the newest full
 * whose end revision is below the delta's end), or when older than the delta retention; deltas
 * before the oldest full snapshot go once a full snapshot covers them; objects without metadata and
 * metadata without objects go once older than the grace period (an upload may still be finishing).
 *
 * @param snapshots trusted snapshots to delete (metadata first, then object)
 * @param strays untrusted objects and orphan metadata files to delete
 */
public record GcPlan(List<Entry> snapshots, List<StoredObject> strays) {

  public static GcPlan compute(
      SnapshotCatalog catalog, RetentionPolicy policy, Duration deltaRetention, Duration strayGrace, Instant now) {
    List<Entry> fulls = catalog.fulls();
    Optional<Entry> newest = catalog.newestFull();
    Set<String> keepFulls = new HashSet<>(policy.keep(fulls, now));
    newest.ifPresent(n -> keepFulls.add(n.object().name()));
    List<Entry> delete = new ArrayList<>();
    for (Entry f : fulls) {
      if (!keepFulls.contains(f.object().name())) {
        delete.add(f);
      }
    }
    long maxFullEnd = fulls.stream().mapToLong(Entry::endRevision).max().orElse(-1);
    for (Entry d : catalog.snapshots()) {
      if (d.kind() != SnapshotKind.DELTA) {
        continue;
      }
      if (newest.isPresent() && d.endRevision() > newest.get().endRevision()) {
        continue; // the newest chain
      }
      Entry owner = null;
      for (Entry f : fulls) {
        if (f.endRevision() < d.endRevision() && (owner == null || f.endRevision() >= owner.endRevision())) {
          owner = f;
        }
      }
      if (owner == null) {
        if (maxFullEnd >= d.endRevision()) {
          delete.add(d); // before every full snapshot: nothing to replay it onto
        }
        continue;
      }
      if (!keepFulls.contains(owner.object().name())) {
        delete.add(d);
      } else if (deltaRetention != null && d.created().isBefore(now.minus(deltaRetention))) {
        delete.add(d);
      }
    }
    List<StoredObject> strays = new ArrayList<>();
    Instant strayBefore = now.minus(strayGrace);
    for (StoredObject o : catalog.untrustedObjects()) {
      if (o.lastModified().isBefore(strayBefore)) {
        strays.add(o);
      }
    }
    for (StoredObject o : catalog.orphanMetadata()) {
      if (o.lastModified().isBefore(strayBefore)) {
        strays.add(o);
      }
    }
    return new GcPlan(delete, strays);
  }
}
