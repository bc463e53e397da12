package dev.cairn.controller.reconcile;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.RetentionPolicy;
import dev.cairn.controller.testing.Harness;
import org.junit.jupiter.api.Test;

class DeleteIT {

  private static int managed(Harness h) {
    var c = h.client;
    return c.apps().statefulSets().inNamespace(NS).list().getItems().size()
        + c.configMaps().inNamespace(NS).list().getItems().size()
        + c.services().inNamespace(NS).list().getItems().size()
        + c.policy().v1().podDisruptionBudget().inNamespace(NS).list().getItems().size()
        + c.serviceAccounts().inNamespace(NS).list().getItems().size()
        + c.rbac().roles().inNamespace(NS).list().getItems().size()
        + c.rbac().roleBindings().inNamespace(NS).list().getItems().size()
        + c.leases().inNamespace(NS).list().getItems().size()
        + c.pods().inNamespace(NS).list().getItems().size();
  }

  @Test
  void deletesWhatItOwnsAndKeepsTheVolumes() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("gone"));
      h.awaitReady("gone");
      h.client.resources(Etcd.class).inNamespace(NS).withName("gone").delete();
      await("the Etcd and everything it owns gone", () -> h.get("gone") == null && managed(h) == 0,
          () -> "left: " + managed(h));
      assertEquals(3, h.client.persistentVolumeClaims().inNamespace(NS).list().getItems().size(), "volumes retained");
    }
  }

  @Test
  void deletesTheVolumesWhenThePolicySaysSo() {
    try (Harness h = Harness.start()) {
      var e = Harness.etcd("wipe");
      e.getSpec().getDeletionPolicy().setVolumes(RetentionPolicy.DELETE);
      h.create(e);
      h.awaitReady("wipe");
      h.client.resources(Etcd.class).inNamespace(NS).withName("wipe").delete();
      await("everything gone, volumes included", () -> h.get("wipe") == null && managed(h) == 0
          && h.client.persistentVolumeClaims().inNamespace(NS).list().getItems().isEmpty());
    }
  }
}
