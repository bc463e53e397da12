package dev.cairn.agent.restore;

import dev.cairn.agent.snapshot.SnapshotCatalog;
import java.util.List;

/**
 * The objects a restore uses, in order: one full snapshot, then the deltas that continue it, and the
 * revision the restore reaches. Deltas may overlap at their edges (two agents across a leader change):
 * the replay applies only events above the revision it has reached and at or below {@code revision}.
 *
 * @param target what was asked
 * @param full the base
 * @param deltas the deltas to replay, ascending by end revision
 * @param revision the revision the restored member will be at
 */
public record RestorePlan(RestoreTarget target, SnapshotCatalog.Entry full, List<SnapshotCatalog.Entry> deltas,
    long revision) {

  public RestorePlan {
    deltas = List.copyOf(deltas);
  }

  /** Every object of the plan, base first. */
  public List<SnapshotCatalog.Entry> objects() {
    List<SnapshotCatalog.Entry> all = new java.util.ArrayList<>();
    all.add(full);
    all.addAll(deltas);
    return all;
  }

  public String describe() {
    return "full snapshot " + full.object().name() + " (revision " + full.endRevision() + ")"
        + (deltas.isEmpty() ? "" : " + " + deltas.size() + " delta(s)") + " -> revision " + revision;
  }
}
