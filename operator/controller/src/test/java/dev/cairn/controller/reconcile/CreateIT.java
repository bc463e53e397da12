package dev.cairn.controller.reconcile;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.api.v1alpha1.MemberState;
import dev.cairn.api.v1alpha1.OperationState;
import dev.cairn.api.v1alpha1.OperationType;
import dev.cairn.controller.model.AgentApiSecret;
import dev.cairn.controller.testing.FakeCluster;
import dev.cairn.controller.testing.Harness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

class CreateIT {

  @Test
  void createsEveryResourceReportsStatusAndThenWritesNothing() {
    try (Harness h = Harness.start()) {
      Etcd created = h.create(Harness.etcd("orders"));
      h.awaitReady("orders");

      var c = h.client;
      List<HasMetadata> owned = List.of(
          c.apps().statefulSets().inNamespace(NS).withName("orders").get(),
          c.configMaps().inNamespace(NS).withName("orders-config").get(),
          c.services().inNamespace(NS).withName("orders-client").get(),
          c.services().inNamespace(NS).withName("orders-peer").get(),
          c.policy().v1().podDisruptionBudget().inNamespace(NS).withName("orders").get(),
          c.serviceAccounts().inNamespace(NS).withName("orders").get(),
          c.rbac().roles().inNamespace(NS).withName("orders").get(),
          c.rbac().roleBindings().inNamespace(NS).withName("orders").get(),
          c.leases().inNamespace(NS).withName("orders-0").get(),
          c.leases().inNamespace(NS).withName("orders-1").get(),
          c.leases().inNamespace(NS).withName("orders-2").get(),
          c.leases().inNamespace(NS).withName("orders-full-snapshot").get(),
          c.leases().inNamespace(NS).withName("orders-delta-snapshot").get(),
          c.secrets().inNamespace(NS).withName("orders-agent-api").get());
      for (HasMetadata o : owned) {
        assertNotNull(o, "a managed object is missing");
        assertEquals(created.getMetadata().getUid(), o.getMetadata().getOwnerReferences().get(0).getUid(),
            o.getKind() + " " + o.getMetadata().getName() + " is owned by the Etcd");
        assertEquals("cairn", o.getMetadata().getLabels().get(Labels.MANAGED_BY));
        assertEquals("orders", o.getMetadata().getLabels().get(Labels.INSTANCE));
      }
      String token = AgentApiSecret.token(c.secrets().inNamespace(NS).withName("orders-agent-api").get());
      assertTrue(token != null && token.matches("[A-Za-z0-9_-]{43}"), "a random 256-bit token: " + (token == null
          ? null : token.length() + " characters"));
      assertEquals(2, c.policy().v1().podDisruptionBudget().inNamespace(NS).withName("orders").get()
          .getSpec().getMinAvailable().getIntVal());

      EtcdStatus s = h.get("orders").getStatus();
      assertEquals(1L, s.getObservedGeneration());
      assertEquals(3, s.getReplicas());
      assertEquals(3, s.getReadyReplicas());
      assertEquals(FakeCluster.CLUSTER_ID, s.getClusterID());
      assertEquals(3, s.getMembers().size());
      assertTrue(s.getMembers().stream().allMatch(m -> m.getStatus() == MemberState.READY), s.getMembers().toString());
      assertEquals("Leader", s.getMembers().get(0).getRole().value());
      assertEquals("Quorate", h.condition("orders", "Ready").getReason());
      assertEquals("BackupNotConfigured", h.condition("orders", "BackupReady").getReason());
      assertEquals("True", h.condition("orders", "DataVolumesReady").getStatus());
      assertEquals("True", h.condition("orders", "SpecValid").getStatus());
      assertEquals("False", h.condition("orders", "ClusterIDMismatch").getStatus());
      assertEquals(Labels.memberSelectorString("orders"), s.getLabelSelector());
      await("the Create operation to succeed", () -> {
        var op = h.get("orders").getStatus().getLastOperation();
        return op.getType() == OperationType.CREATE && op.getState() == OperationState.SUCCEEDED;
      }, () -> String.valueOf(h.get("orders").getStatus().getLastOperation()));
      await("events for creation and quorum", () -> h.hasEvent("orders", "ClusterFormed")
          && h.hasEvent("orders", "Quorate") && h.hasEvent("orders", "CreateSucceeded"),
          () -> h.events("orders").stream().map(e -> e.getReason()).toList().toString());

      h.assertSteadyStateWritesNothing();
    }
  }

  @Test
  void aMemberGoingDownIsReportedAndComesBack() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("pay"));
      h.awaitReady("pay");
      h.cluster.notReady.add("pay-2");
      await("pay-2 reported NotReady with its reason", () -> h.get("pay").getStatus().getMembers().get(2).getStatus()
          == MemberState.NOT_READY && "PodNotReady".equals(h.get("pay").getStatus().getMembers().get(2).getReason()));
      assertEquals("False", h.condition("pay", "AllMembersReady").getStatus());
      assertEquals("True", h.condition("pay", "Ready").getStatus(), "2 of 3 keep quorum");
      await("a MemberNotReady warning", () -> h.hasEvent("pay", "MemberNotReady"));
      h.cluster.notReady.add("pay-1");
      await("quorum lost", () -> "QuorumLost".equals(h.condition("pay", "Ready").getReason()));
      await("a QuorumLost warning", () -> h.hasEvent("pay", "QuorumLost"));
      h.cluster.notReady.clear();
      h.awaitReady("pay");
    }
  }

  @Test
  void theAgentApiTokenIsCreatedOnceRotatedByDeletionAndNeverRewritten() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("tok"));
      h.awaitReady("tok");
      var secrets = h.client.secrets().inNamespace(NS);
      String first = AgentApiSecret.token(secrets.withName("tok-agent-api").get());
      assertNotNull(first);

      // Emptied by hand: an error that says what to do, and no write (the operator holds no update on Secrets).
      secrets.withName("tok-agent-api").edit(s -> {
        s.setData(java.util.Map.of());
        return s;
      });
      await("the error about the emptied Secret", () -> h.get("tok").getStatus().getLastErrors() != null
          && h.get("tok").getStatus().getLastErrors().stream().anyMatch(e -> "AgentApiTokenMissing".equals(e.getCode())
          && e.getDescription().contains("Delete the Secret")), () -> String.valueOf(h.get("tok").getStatus()));
      var emptied = secrets.withName("tok-agent-api").get().getData();
      assertTrue(emptied == null || emptied.isEmpty(), "not rewritten: " + emptied);
      String repaired = first;

      // Rotation: delete it, and a new one with another token appears.
      secrets.withName("tok-agent-api").delete();
      await("the Secret recreated", () -> AgentApiSecret.token(secrets.withName("tok-agent-api").get()) != null);
      assertTrue(!AgentApiSecret.token(secrets.withName("tok-agent-api").get()).equals(repaired), "rotated");

      // Also while the spec is suspended (or a task holds the cluster): pods cannot start without it.
      h.edit("tok", e -> e.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(
          dev.cairn.api.Annotations.SUSPEND_RECONCILE, "true"))));
      await("the pass to see the suspension", () -> h.get("tok").getStatus().getLastOperation() != null
          && String.valueOf(h.get("tok").getStatus().getLastOperation().getDescription())
          .contains(dev.cairn.api.Annotations.SUSPEND_RECONCILE));
      secrets.withName("tok-agent-api").delete();
      await("the Secret recreated while suspended",
          () -> AgentApiSecret.token(secrets.withName("tok-agent-api").get()) != null);
      h.edit("tok", e -> e.getMetadata().getAnnotations().remove(dev.cairn.api.Annotations.SUSPEND_RECONCILE));
      h.assertSteadyStateWritesNothing();
    }
    try (Harness h = Harness.start()) {
      // Someone's own Secret under the name: a token in it is used as it is, none is an error, never a write.
      h.client.secrets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
          .withNewMetadata().withName("mine-agent-api").withNamespace(NS).endMetadata()
          .withStringData(java.util.Map.of("other", "x")).build()).create();
      h.create(Harness.etcd("mine"));
      await("the error about the Secret", () -> h.get("mine").getStatus() != null
          && h.get("mine").getStatus().getLastErrors() != null && h.get("mine").getStatus().getLastErrors().stream()
          .anyMatch(e -> "AgentApiTokenMissing".equals(e.getCode())), () -> String.valueOf(h.get("mine").getStatus()));
      var s = h.client.secrets().inNamespace(NS).withName("mine-agent-api").get();
      assertEquals(java.util.Map.of("other", "x"), s.getStringData() != null ? s.getStringData()
          : java.util.Map.of("other", new String(java.util.Base64.getDecoder().decode(s.getData().get("other")))));
      assertTrue(s.getMetadata().getOwnerReferences() == null || s.getMetadata().getOwnerReferences().isEmpty(),
          "not taken over");
      h.client.secrets().inNamespace(NS).withName("mine-agent-api").edit(x -> {
        x.setStringData(null);
        x.setData(java.util.Map.of("token", java.util.Base64.getEncoder().encodeToString("their-own-token".getBytes())));
        return x;
      });
      await("the error gone once the Secret holds a token", () -> h.get("mine").getStatus().getLastErrors() == null
          || h.get("mine").getStatus().getLastErrors().stream().noneMatch(e -> "AgentApiTokenMissing".equals(e.getCode())));
      assertEquals("their-own-token", AgentApiSecret.token(h.client.secrets().inNamespace(NS).withName("mine-agent-api").get()));
    }
  }
}
