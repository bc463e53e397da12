package dev.cairn.controller.reconcile;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.BackupStore;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.OperationState;
import dev.cairn.api.v1alpha1.OperationType;
import dev.cairn.api.v1alpha1.SecretRef;
import dev.cairn.api.v1alpha1.StoreProvider;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.testing.Harness;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class HibernateIT {

  static Etcd withBackup(String name) {
    Etcd e = Harness.etcd(name);
    BackupStore store = new BackupStore();
    store.setProvider(StoreProvider.S3);
    store.setBucket("backups");
    store.setEndpoint("http://s3.example:9000");
    store.setCredentialsSecretRef(new SecretRef("s3"));
    BackupSpec b = new BackupSpec();
    b.setStore(store);
    e.getSpec().setBackup(b);
    return e;
  }

  static void createCredentials(Harness h) {
    h.client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("s3").endMetadata()
        .addToStringData("accessKeyID", "a").addToStringData("secretAccessKey", "b").build()).create();
  }

  @Test
  void takesAFinalSnapshotFromTheLeaderThenSleepsAndWakesUp() {
    try (Harness h = Harness.start()) {
      createCredentials(h);
      h.create(withBackup("sleepy"));
      h.awaitReady("sleepy");
      String leaderIp = h.client.pods().inNamespace(NS).withName("sleepy-0").get().getStatus().getPodIP();

      h.edit("sleepy", e -> e.getSpec().setReplicas(0));
      await("hibernated", () -> "Hibernated".equals(h.condition("sleepy", "Ready").getReason())
          && h.client.pods().inNamespace(NS).withLabel("app.kubernetes.io/instance", "sleepy").list().getItems().isEmpty(),
          () -> String.valueOf(h.get("sleepy").getStatus()));
      assertEquals(List.of("http://" + leaderIp + ":8080"), h.agents.finalSnapshots, "one final snapshot, from the leader");
      var sts = h.client.apps().statefulSets().inNamespace(NS).withName("sleepy").get();
      assertEquals(0, sts.getSpec().getReplicas());
      assertEquals("3", sts.getMetadata().getAnnotations().get(MemberStatefulSet.HIBERNATED_REPLICAS));
      assertEquals(3, h.client.persistentVolumeClaims().inNamespace(NS).list().getItems().size(), "volumes kept");
      assertTrue(h.client.leases().inNamespace(NS).withName("sleepy-2").get() != null, "member Leases kept");
      assertTrue(h.hasEvent("sleepy", "FinalSnapshotTaken"));
      await("Hibernate succeeded", () -> {
        var op = h.get("sleepy").getStatus().getLastOperation();
        return op.getType() == OperationType.HIBERNATE && op.getState() == OperationState.SUCCEEDED;
      });
      h.assertSteadyStateWritesNothing();

      // Wake up with fewer members than slept: all 3 volumes hold data, so all 3 start, then one leaves.
      h.edit("sleepy", e -> e.getSpec().setReplicas(2));
      await("awake with 2 members", () -> h.get("sleepy").getStatus().getMembers() != null
          && h.get("sleepy").getStatus().getMembers().size() == 2
          && "True".equals(h.condition("sleepy", "AllMembersReady").getStatus()),
          () -> h.cluster.replicaHistory.get("sleepy") + " " + h.get("sleepy").getStatus());
      await("the StatefulSet to have gone 3 -> 0 -> 3 -> 2", () ->
          List.of(3, 0, 3, 2).equals(h.cluster.replicaHistory.get("sleepy")),
          () -> String.valueOf(h.cluster.replicaHistory.get("sleepy")));
      assertTrue(h.client.apps().statefulSets().inNamespace(NS).withName("sleepy").get().getMetadata().getAnnotations()
          .get(MemberStatefulSet.HIBERNATED_REPLICAS) == null);
    }
  }

  @Test
  void keepsRunningWhileTheFinalSnapshotFails() {
    try (Harness h = Harness.start()) {
      createCredentials(h);
      h.create(withBackup("stubborn"));
      h.awaitReady("stubborn");
      h.agents.failing = true;
      h.edit("stubborn", e -> e.getSpec().setReplicas(0));
      await("the failure reported", () -> h.get("stubborn").getStatus().getLastErrors() != null
          && h.get("stubborn").getStatus().getLastErrors().stream().anyMatch(x -> x.getCode().equals("FinalSnapshotFailed")));
      assertEquals(3, h.client.apps().statefulSets().inNamespace(NS).withName("stubborn").get().getSpec().getReplicas(),
          "members keep running without a final snapshot");
      h.agents.failing = false;
      await("hibernated once the snapshot succeeds", () ->
          h.client.apps().statefulSets().inNamespace(NS).withName("stubborn").get().getSpec().getReplicas() == 0);
    }
  }

  @Test
  void withoutBackupsHibernatesAtOnce() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("plain"));
      h.awaitReady("plain");
      h.edit("plain", e -> e.getSpec().setReplicas(0));
      await("hibernated", () -> "Hibernated".equals(h.condition("plain", "Ready").getReason()));
      assertEquals(List.of(), h.agents.finalSnapshots);
    }
  }
}
