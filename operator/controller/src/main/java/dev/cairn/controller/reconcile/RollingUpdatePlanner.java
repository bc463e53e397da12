package dev.cairn.controller.reconcile;

import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.status.StatusCalculator.Member;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The quorum-aware rolling update (ADR 0005): when the pod template changed, restart one member at a
 * time, only while every member is ready; learners first, then followers, the leader last (after
 * handing its leadership to an updated follower), so the cluster changes leader at most once. Pure.
 */
public final class RollingUpdatePlanner {

  public enum Step {
    /** Every pod runs the current template. */
    UP_TO_DATE,
    /** The member restarted last is not back yet. */
    WAIT,
    /** A member is unhealthy before its turn: nothing is restarted. */
    BLOCKED,
    /** Ready to restart, but which member leads must be known first. */
    NEED_LEADER,
    /** Delete pod {@link Decision#ordinal()} (after moving leadership to {@link Decision#transferee()}). */
    RESTART
  }

  /** A pod the operator deleted, to recognise its replacement (a new UID). */
  public record LastRestart(String pod, String uid) {}

  public record Decision(Step step, int ordinal, Member transferee, int outdated, String message) {}

  private RollingUpdatePlanner() {}

  /** Pods whose template hash differs from {@code desiredHash}. */
  public static List<Integer> outdated(int replicas, Map<Integer, Pod> pods, String desiredHash) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      Pod p = pods.get(i);
      if (p != null && !Objects.equals(hash(p), desiredHash)) {
        out.add(i);
      }
    }
    return out;
  }

  static String hash(Pod p) {
    return p.getMetadata().getAnnotations() == null ? null
        : p.getMetadata().getAnnotations().get(MemberStatefulSet.POD_SPEC_HASH);
  }

  /**
   * @param leaderName the leader's member name, or null when not looked up yet
   */
  public static Decision plan(
      int replicas, Map<Integer, Pod> pods, String desiredHash, List<Member> members, LastRestart last,
      String leaderName) {
    List<Integer> outdated = outdated(replicas, pods, desiredHash);
    if (last != null) {
      Member m = members.stream().filter(x -> x.status().getName().equals(last.pod())).findFirst().orElse(null);
      Pod p = m == null ? null : pods.get(m.ordinal());
      if (m != null && (p == null || Objects.equals(p.getMetadata().getUid(), last.uid()) || !m.ready())) {
        return new Decision(Step.WAIT, m.ordinal(), null, outdated.size(), "Rolling update: waiting for "
            + last.pod() + " to come back ready after its restart; " + outdated.size() + " member(s) still to go.");
      }
    }
    if (outdated.isEmpty()) {
      return new Decision(Step.UP_TO_DATE, -1, null, 0, "Every member runs the current pod template.");
    }
    for (Member m : members) {
      if (!m.ready()) {
        return new Decision(Step.BLOCKED, m.ordinal(), null, outdated.size(), "Rolling update stopped: "
            + m.status().getName() + " is " + m.status().getStatus().value() + " (" + m.status().getReason()
            + ") before its turn. " + outdated.size() + " member(s) wait for the new pod template; the update goes"
            + " on once every member is ready.");
      }
    }
    if (leaderName == null) {
      return new Decision(Step.NEED_LEADER, -1, null, outdated.size(), "Rolling update: looking up the leader.");
    }
    List<Member> candidates = new ArrayList<>();
    Member leader = null;
    for (Member m : members) {
      if (!outdated.contains(m.ordinal())) {
        continue;
      }
      if (m.status().getName().equals(leaderName)) {
        leader = m;
      } else {
        candidates.add(m);
      }
    }
    // Learners first (they do not vote), then followers, highest ordinal first like the StatefulSet controller.
    candidates.sort(Comparator.comparing((Member m) -> m.status().getRole() == MemberRole.LEARNER ? 0 : 1)
        .thenComparing(Comparator.comparingInt(Member::ordinal).reversed()));
    if (!candidates.isEmpty()) {
      Member next = candidates.get(0);
      return new Decision(Step.RESTART, next.ordinal(), null, outdated.size(), "Rolling update: restarting "
          + next.status().getName() + " (" + roleName(next) + "); " + outdated.size() + " of " + replicas
          + " members outdated, the leader " + leaderName + " goes last.");
    }
    if (leader == null) {
      // The outdated pods are not members we know of (no lease yet): restart the highest one.
      int o = outdated.get(outdated.size() - 1);
      return new Decision(Step.RESTART, o, null, outdated.size(), "Rolling update: restarting member " + o + ".");
    }
    Member transferee = members.stream()
        .filter(m -> m != null && !outdated.contains(m.ordinal()) && m.ready() && m.voting())
        .max(Comparator.comparingInt(Member::ordinal))
        .orElse(null);
    return new Decision(Step.RESTART, leader.ordinal(), transferee, outdated.size(), "Rolling update: restarting the"
        + " leader " + leader.status().getName() + " last"
        + (transferee == null ? "." : ", after handing leadership to " + transferee.status().getName() + "."));
  }

  private static String roleName(Member m) {
    return m.status().getRole() == null ? "role unknown" : m.status().getRole().value().toLowerCase();
  }
}
