package dev.cairn.controller.status;

import static dev.cairn.controller.status.Observations.CFG;
import static dev.cairn.controller.status.Observations.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.BackupStore;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.api.v1alpha1.LastError;
import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.MemberState;
import dev.cairn.api.v1alpha1.StoreProvider;
import dev.cairn.controller.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusCalculatorTest {

  private static final StatusCalculator.Facts FACTS = new StatusCalculator.Facts(1L, List.of(), null, List.of());

  private static Etcd etcd() {
    Etcd e = new Etcd("ns", "kv");
    e.getMetadata().setCreationTimestamp("2025-03-01T00:00:00Z");
    return e;
  }

  private static EtcdStatus compute(Etcd e, Observations o) {
    return StatusCalculator.compute(e, null, CFG, o.build(), NOW, FACTS);
  }

  private static Condition c(EtcdStatus s, String type) {
    return StatusCalculator.find(s.getConditions(), type);
  }

  @Test
  void aHealthyClusterIsReadyQuorateAndLearnsItsClusterId() {
    EtcdStatus s = compute(etcd(), Observations.healthy(etcd(), 3));
    assertEquals("c0ffee", s.getClusterID());
    assertEquals(3, s.getReplicas());
    assertEquals(3, s.getReadyReplicas());
    assertEquals(1L, s.getObservedGeneration());
    assertEquals(MemberRole.LEADER, s.getMembers().get(0).getRole());
    assertEquals("1000", s.getMembers().get(0).getId());
    assertEquals("True", c(s, "Ready").getStatus());
    assertEquals("Quorate", c(s, "Ready").getReason());
    assertEquals("3 of 3 voting members are ready; the leader is kv-0.", c(s, "Ready").getMessage());
    assertEquals("True", c(s, "AllMembersReady").getStatus());
    assertEquals("True", c(s, "DataVolumesReady").getStatus());
    assertEquals("False", c(s, "ClusterIDMismatch").getStatus());
    assertEquals("True", c(s, "SpecValid").getStatus());
    assertEquals("Unknown", c(s, "BackupReady").getStatus());
    assertEquals("BackupNotConfigured", c(s, "BackupReady").getReason());
    assertTrue(s.getConditions().stream().allMatch(x -> x.getObservedGeneration() == 1L));
    assertEquals("app.kubernetes.io/name=etcd,app.kubernetes.io/instance=kv,app.kubernetes.io/component=member",
        s.getLabelSelector());
  }

  @Test
  void memberStatesFollowPodsAndLeaseAge() {
    Etcd e = etcd();
    e.getSpec().setReplicas(5);
    Observations o = Observations.healthy(e, 5)
        .pod(1, false)                       // pod not ready
        .lease(2, "Member", "c0ffee", 61)    // over the 60s Unknown threshold
        .lease(3, "Member", "c0ffee", 301)   // over the 5m NotReady threshold
        .noPod(4);
    EtcdStatus s = compute(e, o);
    List<String> got = new ArrayList<>();
    s.getMembers().forEach(m -> got.add(m.getName() + " " + m.getStatus().value() + " " + m.getReason()));
    assertEquals(List.of("kv-0 Ready null", "kv-1 NotReady PodNotReady", "kv-2 Unknown LeaseExpired",
        "kv-3 NotReady LeaseExpired", "kv-4 NotReady PodMissing"), got);
    assertEquals("False", c(s, "Ready").getStatus(), "1 of 5 is not a quorum");
    assertEquals("QuorumLost", c(s, "Ready").getReason());
    assertEquals("False", c(s, "AllMembersReady").getStatus());
    assertTrue(c(s, "AllMembersReady").getMessage().startsWith("kv-1 is NotReady (PodNotReady)"));
  }

  @Test
  void aLeaseNeverRenewedIsUnknownAndAStartingClusterHasNoQuorumYet() {
    Observations o = new Observations(etcd(), 3).pod(0, true).emptyLease(0).pod(1, false).noPod(2);
    EtcdStatus s = compute(etcd(), o);
    assertEquals(MemberState.UNKNOWN, s.getMembers().get(0).getStatus());
    assertEquals("LeaseNotRenewed", s.getMembers().get(0).getReason());
    assertEquals("Unknown", c(s, "Ready").getStatus());
    assertEquals("NoMembersReported", c(s, "Ready").getReason());
    assertNull(s.getClusterID());
    assertEquals("False", c(s, "DataVolumesReady").getStatus());
    assertTrue(c(s, "DataVolumesReady").getMessage().contains("data-kv-0 (not created)"));
  }

  @Test
  void learnersAreReadyButNotVoting() {
    Observations o = Observations.healthy(etcd(), 3).lease(2, "Learner", "c0ffee", 1);
    EtcdStatus s = compute(etcd(), o);
    assertEquals("True", c(s, "Ready").getStatus());
    assertEquals("2 of 2 voting members are ready; the leader is kv-0.", c(s, "Ready").getMessage());
    assertEquals("False", c(s, "AllMembersReady").getStatus());
    assertTrue(c(s, "AllMembersReady").getMessage().contains("kv-2 is a learner"));
  }

  @Test
  void aForeignClusterIdIsAMismatch() {
    Etcd e = etcd();
    EtcdStatus before = new EtcdStatus();
    before.setClusterID("c0ffee");
    Observations o = Observations.healthy(e, 3).lease(1, "Member", "badbad", 1);
    EtcdStatus s = StatusCalculator.compute(e, before, CFG, o.build(), NOW, FACTS);
    assertEquals("True", c(s, "ClusterIDMismatch").getStatus());
    assertTrue(c(s, "ClusterIDMismatch").getMessage().contains("kv-1 reports badbad"));
    assertEquals("ClusterIDMismatch", s.getMembers().get(1).getReason());
  }

  @Test
  void transitionTimesMoveOnlyWhenTheStatusFlips() {
    Etcd e = etcd();
    EtcdStatus first = compute(e, Observations.healthy(e, 3));
    Instant later = NOW.plusSeconds(30);
    EtcdStatus same = StatusCalculator.compute(e, first, CFG, Observations.healthy(e, 3).build(), later, FACTS);
    assertEquals(first, same, "an unchanged cluster computes an equal status, even later");
    EtcdStatus flipped = StatusCalculator.compute(e, first, CFG, Observations.healthy(e, 3).pod(2, false).build(), later,
        FACTS);
    assertEquals(Times.format(later), c(flipped, "AllMembersReady").getLastTransitionTime());
    assertEquals(c(first, "Ready").getLastTransitionTime(), c(flipped, "Ready").getLastTransitionTime());
    assertEquals(Times.format(later), flipped.getMembers().get(2).getLastTransitionTime());
    assertEquals(first.getMembers().get(1).getLastTransitionTime(), flipped.getMembers().get(1).getLastTransitionTime());
  }

  @Test
  void hibernationIsReportedAsSuch() {
    Etcd e = etcd();
    e.getSpec().setReplicas(0);
    EtcdStatus s = compute(e, new Observations(e, 0));
    assertEquals("Hibernated", c(s, "Ready").getReason());
    assertEquals("Hibernated", c(s, "AllMembersReady").getReason());
    assertNull(s.getMembers());
  }

  @Test
  void specProblemsAndErrorsAreReportedBoundedAndStable() {
    Etcd e = etcd();
    List<LastError> errors = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      LastError x = new LastError();
      x.setCode("E" + i);
      x.setDescription("problem " + i);
      errors.add(x);
    }
    var facts = new StatusCalculator.Facts(1L, List.of(new Problem("storage.capacity", "too small")), null, errors);
    EtcdStatus s = StatusCalculator.compute(e, null, CFG, Observations.healthy(e, 3).build(), NOW, facts);
    assertEquals("False", c(s, "SpecValid").getStatus());
    assertEquals("storage.capacity: too small", c(s, "SpecValid").getMessage());
    assertEquals(10, s.getLastErrors().size());
    EtcdStatus again = StatusCalculator.compute(e, s, CFG, Observations.healthy(e, 3).build(), NOW.plusSeconds(60), facts);
    assertEquals(s.getLastErrors(), again.getLastErrors(), "a repeated error keeps its first observedAt");
  }

  private static Etcd withBackup(String schedule) {
    Etcd e = etcd();
    BackupStore st = new BackupStore();
    st.setProvider(StoreProvider.S3);
    st.setBucket("b");
    BackupSpec b = new BackupSpec();
    b.setStore(st);
    b.setFullSnapshotSchedule(schedule);
    e.getSpec().setBackup(b);
    return e;
  }

  @Test
  void backupReadinessFollowsTheSchedule() {
    // Hourly; now 12:30, grace 10m: the 12:00 snapshot is due.
    Etcd e = withBackup("0 * * * *");
    EtcdStatus missing = compute(e, Observations.healthy(e, 3));
    assertEquals("False", c(missing, "BackupReady").getStatus());
    assertTrue(c(missing, "BackupReady").getMessage().contains("2025-03-01T12:00:00Z"));

    EtcdStatus stale = compute(e, Observations.healthy(e, 3).snapshotLease("full", 500, Instant.parse("2025-03-01T11:00:05Z")));
    assertEquals("BackupStale", c(stale, "BackupReady").getReason());
    assertEquals(500L, stale.getLastFullSnapshot().getRevision());

    EtcdStatus fresh = compute(e, Observations.healthy(e, 3)
        .snapshotLease("full", 900, Instant.parse("2025-03-01T12:00:07Z"))
        .snapshotLease("delta", 950, Instant.parse("2025-03-01T12:29:40Z")));
    assertEquals("True", c(fresh, "BackupReady").getStatus());
    assertEquals("BackupSucceeded", c(fresh, "BackupReady").getReason());
    assertEquals(950L, fresh.getLastDeltaSnapshot().getRevision());
    assertEquals("2025-03-01T12:29:40Z", fresh.getLastDeltaSnapshot().getTime());

    // Created after the last due time: nothing is owed yet.
    Etcd young = withBackup("0 * * * *");
    young.getMetadata().setCreationTimestamp("2025-03-01T12:10:00Z");
    assertEquals("Unknown", c(compute(young, Observations.healthy(young, 3)), "BackupReady").getStatus());
  }
}
