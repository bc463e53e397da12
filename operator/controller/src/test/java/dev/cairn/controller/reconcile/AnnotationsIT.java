package dev.cairn.controller.reconcile;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.Annotations;
import dev.cairn.api.v1alpha1.MemberState;
import dev.cairn.api.v1alpha1.OperationState;
import dev.cairn.api.v1alpha1.OperationType;
import dev.cairn.controller.testing.Harness;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

class AnnotationsIT {

  private static String etcdYaml(Harness h, String name) {
    return h.client.configMaps().inNamespace(NS).withName(name + "-config").get().getData().get("etcd.yaml");
  }

  @Test
  void suspendKeepsTheSpecAwayButStillObservesAndResumes() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("zzz"));
      h.awaitReady("zzz");
      h.edit("zzz", e -> e.getMetadata().setAnnotations(new HashMap<>(java.util.Map.of(Annotations.SUSPEND_RECONCILE, "true"))));
      await("the suspension reported", () -> {
        var op = h.get("zzz").getStatus().getLastOperation();
        return op.getType() == OperationType.RECONCILE && op.getState() == OperationState.ERROR
            && op.getDescription().contains(Annotations.SUSPEND_RECONCILE);
      });
      await("a warning event", () -> h.events("zzz").stream()
          .anyMatch(e -> "Warning".equals(e.getType()) && "ReconcileSuspended".equals(e.getReason())));

      h.edit("zzz", e -> e.getSpec().getEtcd().setSnapshotCount(1234L));
      h.cluster.notReady.add("zzz-1");
      await("status still observed while suspended", () ->
          h.get("zzz").getStatus().getMembers().get(1).getStatus() == MemberState.NOT_READY);
      assertTrue(!etcdYaml(h, "zzz").contains("1234"), "the spec change is not applied while suspended");
      assertEquals(1L, h.get("zzz").getStatus().getObservedGeneration());

      h.cluster.notReady.clear();
      h.edit("zzz", e -> e.getMetadata().getAnnotations().remove(Annotations.SUSPEND_RECONCILE));
      await("the change applied after resuming", () -> etcdYaml(h, "zzz").contains("snapshot-count: 1234"));
      await("observedGeneration caught up", () -> h.get("zzz").getStatus().getObservedGeneration() == 2L);
    }
  }

  @Test
  void withAutoReconcileOffOnlyTheOperationAnnotationAppliesTheSpec() {
    try (Harness h = Harness.start(Harness.testConfig().autoReconcile(false).build())) {
      h.create(Harness.etcd("gitops"));
      h.awaitReady("gitops");
      h.edit("gitops", e -> e.getSpec().getEtcd().setSnapshotCount(4321L));
      await("the pending change reported", () -> {
        var op = h.get("gitops").getStatus().getLastOperation();
        return op.getState() == OperationState.PROCESSING && op.getDescription().contains(Annotations.OPERATION);
      });
      assertTrue(!etcdYaml(h, "gitops").contains("4321"));
      assertTrue(h.hasEvent("gitops", "SpecChangePending"));

      h.edit("gitops", e -> e.getMetadata().setAnnotations(new HashMap<>(java.util.Map.of(
          Annotations.OPERATION, Annotations.OPERATION_RECONCILE))));
      await("applied on request", () -> etcdYaml(h, "gitops").contains("snapshot-count: 4321"));
      await("the annotation removed", () -> h.get("gitops").getMetadata().getAnnotations() == null
          || !h.get("gitops").getMetadata().getAnnotations().containsKey(Annotations.OPERATION));
      assertTrue(h.hasEvent("gitops", "OperationDone"));
      h.awaitReady("gitops");
    }
  }

  @Test
  void operationReconcileIsConsumedWithAutoReconcileOn() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("nudge"));
      h.awaitReady("nudge");
      h.edit("nudge", e -> e.getMetadata().setAnnotations(new HashMap<>(java.util.Map.of(
          Annotations.OPERATION, Annotations.OPERATION_RECONCILE))));
      await("the annotation removed", () -> h.get("nudge").getMetadata().getAnnotations() == null
          || !h.get("nudge").getMetadata().getAnnotations().containsKey(Annotations.OPERATION));
      h.assertSteadyStateWritesNothing();
    }
  }

  @Test
  void manualEditsAreRevertedUnlessProtectionIsDisabled() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("guard"));
      h.awaitReady("guard");
      h.client.configMaps().inNamespace(NS).withName("guard-config").edit(cm -> {
        cm.getData().put("etcd.yaml", "hand-edited");
        return cm;
      });
      await("the edit reverted", () -> etcdYaml(h, "guard").contains("initial-cluster"));

      h.edit("guard", e -> e.getMetadata().setAnnotations(new HashMap<>(java.util.Map.of(
          Annotations.DISABLE_RESOURCE_PROTECTION, "true"))));
      Harness.sleep(300);
      h.client.configMaps().inNamespace(NS).withName("guard-config").edit(cm -> {
        cm.getData().put("etcd.yaml", "emergency");
        return cm;
      });
      long passes = h.operator.passes();
      await("a few passes", () -> h.operator.passes() > passes + 3);
      assertEquals("emergency", etcdYaml(h, "guard"), "an emergency edit stays while protection is off");
      h.client.configMaps().inNamespace(NS).withName("guard-config").delete();
      await("a deleted object is recreated even then", () ->
          h.client.configMaps().inNamespace(NS).withName("guard-config").get() != null);
      assertNull(h.get("guard").getStatus().getLastErrors());
    }
  }
}
