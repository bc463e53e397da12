package dev.cairn.controller.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.reconcile.MembershipPlanner.Plan;
import dev.cairn.controller.reconcile.MembershipPlanner.SnapshotState;
import dev.cairn.controller.reconcile.MembershipPlanner.Step;
import dev.cairn.controller.reconcile.RollingUpdatePlanner.Decision;
import dev.cairn.controller.reconcile.RollingUpdatePlanner.LastRestart;
import dev.cairn.controller.status.Observations;
import dev.cairn.controller.status.StatusCalculator;
import dev.cairn.controller.status.StatusCalculator.Member;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannersTest {

  private static final Etcd E = new Etcd("ns", "kv");

  private static List<Member> members(Observations o) {
    return StatusCalculator.members(E, null, Observations.CFG, o.build(), Observations.NOW, "c0ffee");
  }

  private static Plan plan(int desired, int current, Integer hib, Observations o, boolean backup, SnapshotState s) {
    return MembershipPlanner.plan("kv", desired, true, current, hib, members(o), backup, s, false);
  }

  @Test
  void createsAllAtOnceAndWakesEveryMemberThatHoldsData() {
    Plan create = MembershipPlanner.plan("kv", 3, false, 0, null, List.of(), false, SnapshotState.NONE, false);
    assertEquals(Step.CREATE, create.step());
    assertEquals(3, create.replicas());
    Plan wake = plan(1, 0, 3, new Observations(E, 0), false, SnapshotState.NONE);
    assertEquals(Step.WAKE, wake.step());
    assertEquals(3, wake.replicas(), "a cluster of 3 wakes with 3, then scales in");
    assertNull(wake.hibernatedFrom());
    assertEquals(Step.STEADY, plan(0, 0, 3, new Observations(E, 0), false, SnapshotState.NONE).step());
  }

  @Test
  void scalesUpOneMemberAtATimeOnlyWhenAllAreReadyAndVoting() {
    Plan up = plan(5, 3, null, Observations.healthy(E, 3), false, SnapshotState.NONE);
    assertEquals(Step.SCALE_UP, up.step());
    assertEquals(4, up.replicas());
    assertEquals(3, up.ordinal());
    Plan learner = plan(5, 4, null, Observations.healthy(E, 4).lease(3, "Learner", "c0ffee", 1), false, SnapshotState.NONE);
    assertEquals(Step.WAIT, learner.step());
    assertEquals(4, learner.replicas());
    assertTrue(learner.message().contains("kv-3"));
    assertEquals(Step.WAIT, plan(5, 3, null, Observations.healthy(E, 3).pod(1, false), false, SnapshotState.NONE).step());
  }

  @Test
  void scalesInOnlyAboveAHealthyQuorum() {
    Plan in = plan(3, 5, null, Observations.healthy(E, 5), false, SnapshotState.NONE);
    assertEquals(Step.SCALE_IN, in.step());
    assertEquals(4, in.replicas());
    assertEquals(4, in.ordinal());
    // The victim itself being down does not matter; the 4 that stay need 3 healthy.
    assertEquals(Step.SCALE_IN, plan(3, 5, null, Observations.healthy(E, 5).pod(4, false).pod(3, false), false,
        SnapshotState.NONE).step());
    Plan blocked = plan(3, 5, null, Observations.healthy(E, 5).pod(0, false).pod(1, false), false, SnapshotState.NONE);
    assertEquals(Step.BLOCKED, blocked.step());
    assertEquals(5, blocked.replicas());
    assertTrue(blocked.message().contains("below the quorum of 3"), blocked.message());
    assertEquals(Step.WAIT, MembershipPlanner.plan("kv", 3, true, 4, null, members(Observations.healthy(E, 4)), false,
        SnapshotState.NONE, true).step(), "waits for the last removed member's pod to stop");
  }

  @Test
  void hibernatesAfterTheFinalSnapshot() {
    Observations o = Observations.healthy(E, 3);
    assertEquals(Step.FINAL_SNAPSHOT, plan(0, 3, null, o, true, SnapshotState.NONE).step());
    assertEquals(Step.FINAL_SNAPSHOT, plan(0, 3, null, o, true, SnapshotState.RUNNING).step());
    assertEquals(Step.FINAL_SNAPSHOT, plan(0, 3, null, o, true, SnapshotState.FAILED).step());
    Plan done = plan(0, 3, null, o, true, SnapshotState.DONE);
    assertEquals(Step.HIBERNATE, done.step());
    assertEquals(0, done.replicas());
    assertEquals(3, done.hibernatedFrom());
    assertEquals(Step.HIBERNATE, plan(0, 3, null, o, false, SnapshotState.NONE).step(), "no backup, no snapshot");
  }

  private static Map<Integer, Pod> pods(int n, String hash, int... outdated) {
    Map<Integer, Pod> m = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String h = hash;
      for (int o : outdated) {
        if (o == i) {
          h = "old";
        }
      }
      m.put(i, new PodBuilder().withNewMetadata().withName("kv-" + i).withUid("u" + i)
          .addToAnnotations(MemberStatefulSet.POD_SPEC_HASH, h).endMetadata().build());
    }
    return m;
  }

  @Test
  void rollsFollowersFromTheTopAndTheLeaderLast() {
    List<Member> ms = members(Observations.healthy(E, 3).lease(0, "Member", "c0ffee", 1).lease(1, "Leader", "c0ffee", 1));
    Decision need = RollingUpdatePlanner.plan(3, pods(3, "new", 0, 1, 2), "new", ms, null, null);
    assertEquals(RollingUpdatePlanner.Step.NEED_LEADER, need.step());
    Decision first = RollingUpdatePlanner.plan(3, pods(3, "new", 0, 1, 2), "new", ms, null, "kv-1");
    assertEquals(RollingUpdatePlanner.Step.RESTART, first.step());
    assertEquals(2, first.ordinal());
    assertEquals(0, RollingUpdatePlanner.plan(3, pods(3, "new", 0, 1), "new", ms, null, "kv-1").ordinal());
    Decision leader = RollingUpdatePlanner.plan(3, pods(3, "new", 1), "new", ms, null, "kv-1");
    assertEquals(1, leader.ordinal());
    assertEquals("kv-2", leader.transferee().status().getName(), "hand over to an updated voting follower");
    assertEquals(RollingUpdatePlanner.Step.UP_TO_DATE,
        RollingUpdatePlanner.plan(3, pods(3, "new"), "new", ms, null, "kv-1").step());
  }

  @Test
  void learnersGoFirstAndNothingMovesWhileAMemberIsUnhealthy() {
    List<Member> ms = members(Observations.healthy(E, 4).lease(1, "Learner", "c0ffee", 1));
    assertEquals(1, RollingUpdatePlanner.plan(4, pods(4, "new", 0, 1, 2, 3), "new", ms, null, "kv-0").ordinal());
    List<Member> sick = members(Observations.healthy(E, 3).pod(2, false));
    Decision d = RollingUpdatePlanner.plan(3, pods(3, "new", 0, 1), "new", sick, null, "kv-0");
    assertEquals(RollingUpdatePlanner.Step.BLOCKED, d.step());
    assertTrue(d.message().contains("kv-2 is NotReady (PodNotReady) before its turn"), d.message());
  }

  @Test
  void waitsForTheRestartedMemberToComeBack() {
    List<Member> ms = members(Observations.healthy(E, 3));
    Map<Integer, Pod> p = pods(3, "new", 0, 1);
    // The old pod (same UID) is still in the cache: wait.
    assertEquals(RollingUpdatePlanner.Step.WAIT,
        RollingUpdatePlanner.plan(3, p, "new", ms, new LastRestart("kv-2", "u2"), null).step());
    // Back with a new UID but not ready yet: wait.
    p.put(2, new PodBuilder(p.get(2)).editMetadata().withUid("u2b").endMetadata().build());
    List<Member> notYet = members(Observations.healthy(E, 3).pod(2, false));
    assertEquals(RollingUpdatePlanner.Step.WAIT,
        RollingUpdatePlanner.plan(3, p, "new", notYet, new LastRestart("kv-2", "u2"), null).step());
    // Back and ready: go on.
    assertEquals(RollingUpdatePlanner.Step.NEED_LEADER,
        RollingUpdatePlanner.plan(3, p, "new", ms, new LastRestart("kv-2", "u2"), null).step());
  }
}
