package dev.cairn.controller.reconcile;

import dev.cairn.controller.model.Names;
import dev.cairn.controller.model.Quorum;
import dev.cairn.controller.status.StatusCalculator.Member;
import java.util.List;

/**
 * Decides how many members the StatefulSet gets this pass. One member at a time in both directions, so
 * the cluster never depends on more than one change at once; all members together only when a cluster
 * forms or wakes up (a lone first member could never reach the quorum of the others' membership). Pure.
 */
public final class MembershipPlanner {

  /** What this pass does to membership. */
  public enum Step {
    /** No StatefulSet yet: create it with every desired member (they form the cluster together). */
    CREATE,
    /** The StatefulSet has the desired members. */
    STEADY,
    /** Add member {@code replicas - 1}; it joins as a learner and its agent promotes it. */
    SCALE_UP,
    /** Remove member {@link Plan#ordinal()} from etcd, then shrink the StatefulSet to {@code replicas}. */
    SCALE_IN,
    /** A change is wanted but must wait; {@link Plan#message()} says for what. */
    WAIT,
    /** A change is wanted but is unsafe; {@link Plan#message()} says why and what to do. */
    BLOCKED,
    /** Hibernation: the leader's agent takes a final full snapshot before anything stops. */
    FINAL_SNAPSHOT,
    /** Hibernation: shrink to 0, remembering the member count. */
    HIBERNATE,
    /** Wake up: every member that holds data starts again at once. */
    WAKE
  }

  /** The StatefulSet's replicas (and hibernation marker) this pass, and why. */
  public record Plan(Step step, int replicas, Integer hibernatedFrom, int ordinal, String message) {}

  /** Where the final snapshot of a hibernation stands. */
  public enum SnapshotState {
    NONE,
    RUNNING,
    DONE,
    FAILED
  }

  private MembershipPlanner() {}

  /**
   * @param etcdName the Etcd's name (for member names in messages)
   * @param desired spec.replicas
   * @param exists whether the StatefulSet exists
   * @param current its replicas
   * @param hibernatedFrom the member count recorded at hibernation, or null
   * @param members the members of the current StatefulSet, in ordinal order
   * @param backup whether backups are configured (hibernation then needs a final snapshot)
   * @param snapshot where the final snapshot stands
   * @param lingering a pod beyond {@code current} still exists (a removed member not yet stopped)
   */
  public static Plan plan(
      String etcdName, int desired, boolean exists, int current, Integer hibernatedFrom, List<Member> members,
      boolean backup, SnapshotState snapshot, boolean lingering) {
    if (!exists) {
      return new Plan(Step.CREATE, desired, null, -1, "Creating " + desired + " members.");
    }
    if (current == 0) {
      if (desired == 0) {
        return new Plan(Step.STEADY, 0, hibernatedFrom, -1, "Hibernated.");
      }
      int wake = Math.max(desired, hibernatedFrom == null ? 0 : hibernatedFrom);
      return new Plan(Step.WAKE, wake, null, -1, "Waking up " + wake + " members"
          + (wake > desired ? " (every member that holds data), then scaling in to " + desired : "") + ".");
    }
    if (desired == 0) {
      if (backup && snapshot != SnapshotState.DONE) {
        return new Plan(Step.FINAL_SNAPSHOT, current, hibernatedFrom, -1,
            "Hibernating: taking a final full snapshot before stopping " + current + " members.");
      }
      return new Plan(Step.HIBERNATE, 0, current, -1, "Hibernating: stopping " + current + " members; volumes are kept.");
    }
    if (desired > current) {
      for (Member m : members) {
        if (!m.ready() || !m.voting()) {
          return new Plan(Step.WAIT, current, null, -1, "Scaling from " + current + " to " + desired
              + " members: waiting for " + m.status().getName() + " to be ready and voting before adding "
              + Names.pod(etcdName, current) + ".");
        }
      }
      return new Plan(Step.SCALE_UP, current + 1, null, current, "Scaling from " + current + " to " + desired
          + " members: adding " + Names.pod(etcdName, current) + ".");
    }
    if (desired < current) {
      int victim = current - 1;
      if (lingering) {
        return new Plan(Step.WAIT, current, null, -1, "Scaling from " + current + " to " + desired
            + " members: waiting for the pod of the member removed last to stop.");
      }
      List<Member> remaining = members.stream().filter(m -> m.ordinal() < victim).toList();
      long voting = remaining.stream().filter(Member::voting).count();
      long healthy = remaining.stream().filter(m -> m.voting() && m.ready()).count();
      int quorum = Quorum.of((int) voting);
      if (voting < 1 || healthy < quorum) {
        return new Plan(Step.BLOCKED, current, null, victim, "Scale-in from " + current + " to " + desired
            + " is blocked: removing " + Names.pod(etcdName, victim) + " would leave " + healthy + " healthy of "
            + voting + " voting members, below the quorum of " + quorum
            + ". Bring the other members back to Ready first.");
      }
      return new Plan(Step.SCALE_IN, victim, null, victim, "Scaling from " + current + " to " + desired
          + " members: removing " + Names.pod(etcdName, victim) + ".");
    }
    return new Plan(Step.STEADY, current, null, -1, "Running " + current + " members.");
  }
}
