package dev.cairn.controller.reconcile;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.OperationState;
import dev.cairn.api.v1alpha1.OperationType;
import dev.cairn.api.v1alpha1.UpdateStrategyType;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.testing.FakeCluster;
import dev.cairn.controller.testing.Harness;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollingUpdateIT {

  private static boolean allPodsRun(Harness h, String name, String hash) {
    List<Pod> pods = h.client.pods().inNamespace(NS).withLabel("app.kubernetes.io/instance", name).list().getItems();
    return pods.size() == 3 && pods.stream()
        .allMatch(p -> hash.equals(p.getMetadata().getAnnotations().get(MemberStatefulSet.POD_SPEC_HASH)));
  }

  @Test
  void restartsFollowersFirstAndTheLeaderLastAfterMovingLeadership() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("roll"));
      h.awaitReady("roll");
      String before = h.cluster.templateHash("roll");
      h.cluster.podCreations.clear();

      // A config change: the checksum on the template changes, so every member must restart.
      h.edit("roll", e -> e.getSpec().getEtcd().setSnapshotCount(10000L));
      await("a new pod template", () -> !before.equals(h.cluster.templateHash("roll")));
      String after = h.cluster.templateHash("roll");
      await("every pod to run the new template", () -> allPodsRun(h, "roll", after),
          () -> "recreated: " + h.cluster.podCreations + ", etcd calls: " + h.etcd.calls);
      h.awaitReady("roll");

      assertEquals(List.of("roll-2", "roll-1", "roll-0"), h.cluster.podCreations,
          "followers first (highest ordinal first), the leader roll-0 last");
      assertTrue(h.etcd.calls.contains("move-leader roll-0 -> " + FakeCluster.memberId("roll-2")),
          "leadership handed to an updated follower before the leader restarts: " + h.etcd.calls);
      await("Update succeeded", () -> {
        var op = h.get("roll").getStatus().getLastOperation();
        return op.getType() == OperationType.UPDATE && op.getState() == OperationState.SUCCEEDED;
      });
      assertTrue(h.hasEvent("roll", "MemberRestarted"));
      assertTrue(h.hasEvent("roll", "LeadershipMoved"));
      h.assertSteadyStateWritesNothing();
    }
  }

  @Test
  void stopsAndReportsWhenAMemberIsUnhealthyBeforeItsTurn() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("halt"));
      h.awaitReady("halt");
      h.cluster.notReady.add("halt-1");
      await("halt-1 reported not ready", () -> "False".equals(h.condition("halt", "AllMembersReady").getStatus()));
      String before = h.cluster.templateHash("halt");
      h.cluster.podCreations.clear();

      h.edit("halt", e -> e.getSpec().getEtcd().setHeartbeatIntervalMillis(150));
      await("the update to stop with an error naming the unhealthy member", () -> {
        var op = h.get("halt").getStatus().getLastOperation();
        return op.getType() == OperationType.UPDATE && op.getState() == OperationState.ERROR
            && op.getDescription().contains("halt-1");
      }, () -> String.valueOf(h.get("halt").getStatus().getLastOperation()));
      assertNotEquals(before, h.cluster.templateHash("halt"), "the StatefulSet has the new template");
      assertEquals(List.of(), h.cluster.podCreations, "no member was restarted while one is unhealthy");
      assertTrue(h.get("halt").getStatus().getLastErrors().stream()
          .anyMatch(e -> e.getCode().equals("RollingUpdateBlocked")));
      await("a warning event", () -> h.events("halt").stream()
          .anyMatch(e -> "Warning".equals(e.getType()) && "UpdateError".equals(e.getReason())));

      h.cluster.notReady.clear();
      String after = h.cluster.templateHash("halt");
      await("the update to go on once every member is ready", () -> allPodsRun(h, "halt", after));
      h.awaitReady("halt");
      await("lastErrors cleared", () -> h.get("halt").getStatus().getLastErrors() == null);
    }
  }

  @Test
  void onDeleteStrategyNeverRestartsMembers() {
    try (Harness h = Harness.start()) {
      var e = Harness.etcd("manual");
      e.getSpec().getUpdateStrategy().setType(UpdateStrategyType.ON_DELETE);
      h.create(e);
      h.awaitReady("manual");
      h.cluster.podCreations.clear();
      h.edit("manual", x -> x.getSpec().getEtcd().setSnapshotCount(5000L));
      await("the pending update reported", () -> {
        var op = h.get("manual").getStatus().getLastOperation();
        return op.getType() == OperationType.UPDATE && op.getDescription().contains("OnDelete");
      });
      h.assertSteadyStateWritesNothing();
      assertEquals(List.of(), h.cluster.podCreations);
    }
  }
}
