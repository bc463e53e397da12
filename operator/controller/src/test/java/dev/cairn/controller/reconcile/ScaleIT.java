package dev.cairn.controller.reconcile;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.OperationState;
import dev.cairn.api.v1alpha1.OperationType;
import dev.cairn.controller.testing.FakeCluster;
import dev.cairn.controller.testing.Harness;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleIT {

  @Test
  void scalesUpOneLearnerAtATimeAndInRemovingMembersFromEtcdFirst() {
    try (Harness h = Harness.start()) {
      h.cluster.learnerRounds = 6;
      h.create(Harness.etcd("grow"));
      h.awaitReady("grow");

      h.edit("grow", e -> e.getSpec().setReplicas(5));
      await("5 ready members", () -> h.get("grow").getStatus().getReadyReplicas() == 5
          && "True".equals(h.condition("grow", "AllMembersReady").getStatus()),
          () -> "history " + h.cluster.replicaHistory.get("grow") + " status " + h.get("grow").getStatus());
      assertEquals(List.of(3, 4, 5), h.cluster.replicaHistory.get("grow"), "one member at a time");
      assertTrue(h.hasEvent("grow", "MemberAdded"));
      assertEquals(5, h.client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("grow").get()
          .getSpec().getMinAvailable().getIntVal() + 2, "minAvailable 3 of 5");
      await("Scale succeeded", () -> {
        var op = h.get("grow").getStatus().getLastOperation();
        return op.getType() == OperationType.SCALE && op.getState() == OperationState.SUCCEEDED;
      });
      assertTrue(h.get("grow").getStatus().getMembers().stream().allMatch(m -> m.getRole() != MemberRole.LEARNER));

      h.etcd.calls.clear();
      h.edit("grow", e -> e.getSpec().setReplicas(3));
      await("3 members again", () -> h.get("grow").getStatus().getMembers().size() == 3
          && h.client.pods().inNamespace(NS).withLabel("app.kubernetes.io/instance", "grow").list().getItems().size() == 3);
      assertEquals(List.of(3, 4, 5, 4, 3), h.cluster.replicaHistory.get("grow"));
      List<String> removals = h.etcd.calls.stream().filter(c -> c.startsWith("removed ")).toList();
      assertEquals(List.of("removed grow-4", "removed grow-3"), removals, "highest ordinal first: " + h.etcd.calls);
      await("the removed members' Leases deleted", () ->
          h.client.leases().inNamespace(NS).withName("grow-3").get() == null
              && h.client.leases().inNamespace(NS).withName("grow-4").get() == null);
      assertTrue(h.hasEvent("grow", "MemberRemoved"));
      h.awaitReady("grow");
      h.assertSteadyStateWritesNothing();
    }
  }

  @Test
  void neverScalesInBelowAHealthyQuorum() {
    try (Harness h = Harness.start()) {
      var e = Harness.etcd("shrink");
      e.getSpec().setReplicas(5);
      h.create(e);
      h.awaitReady("shrink");
      // Two of the members that would remain are down: removing shrink-4 would leave 2 healthy of 4.
      h.cluster.notReady.add("shrink-0");
      h.cluster.notReady.add("shrink-1");
      await("two members not ready", () -> h.get("shrink").getStatus().getReadyReplicas() == 3);
      h.edit("shrink", x -> x.getSpec().setReplicas(4));
      await("the scale-in blocked and reported", () -> h.get("shrink").getStatus().getLastErrors() != null
          && h.get("shrink").getStatus().getLastErrors().stream().anyMatch(x -> x.getCode().equals("ScaleInBlocked")),
          () -> String.valueOf(h.get("shrink").getStatus()));
      assertEquals(5, h.client.apps().statefulSets().inNamespace(NS).withName("shrink").get().getSpec().getReplicas());
      assertTrue(h.etcd.calls.stream().noneMatch(c -> c.startsWith("remove")), h.etcd.calls.toString());
      h.cluster.notReady.clear();
      await("the scale-in done once members are back", () ->
          h.client.apps().statefulSets().inNamespace(NS).withName("shrink").get().getSpec().getReplicas() == 4);
      assertNull(null);
      assertTrue(h.cluster.removed.contains("shrink-4"));
      assertEquals(FakeCluster.CLUSTER_ID, h.get("shrink").getStatus().getClusterID());
    }
  }
}
