package dev.cairn.controller.reconcile;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.TlsConfig;
import dev.cairn.controller.testing.Harness;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;

class BadSpecIT {

  @Test
  void aBadNewClusterCreatesNothingUntilFixed() {
    try (Harness h = Harness.start()) {
      var e = Harness.etcd("tiny");
      e.getSpec().getStorage().setCapacity(new Quantity("1Gi")); // below the 8Gi quota
      h.create(e);
      await("SpecValid=False", () -> "False".equals(h.condition("tiny", "SpecValid").getStatus()));
      assertTrue(h.condition("tiny", "SpecValid").getMessage().contains("storage.capacity 1Gi"),
          h.condition("tiny", "SpecValid").getMessage());
      await("a warning event", () -> h.hasEvent("tiny", "SpecInvalid"));
      assertNull(h.client.apps().statefulSets().inNamespace(NS).withName("tiny").get(), "nothing created");
      assertNull(h.client.configMaps().inNamespace(NS).withName("tiny-config").get());
      assertEquals("SpecInvalid", h.get("tiny").getStatus().getLastErrors().get(0).getCode());
      h.assertSteadyStateWritesNothing();

      h.edit("tiny", x -> x.getSpec().getStorage().setCapacity(new Quantity("20Gi")));
      h.awaitReady("tiny");
      assertNull(h.get("tiny").getStatus().getLastErrors());
      assertTrue(h.hasEvent("tiny", "SpecValid"));
    }
  }

  @Test
  void aBadChangeToARunningClusterChangesAndDeletesNothing() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("tls"));
      h.awaitReady("tls");
      String hash = h.cluster.templateHash("tls");
      h.cluster.podCreations.clear();
      h.edit("tls", x -> x.getSpec().getEtcd().setPeerTLS(new TlsConfig("missing-peer-tls")));
      await("the missing Secret reported", () -> "False".equals(h.condition("tls", "SpecValid").getStatus())
          && h.condition("tls", "SpecValid").getMessage().contains("missing-peer-tls"));
      assertEquals(hash, h.cluster.templateHash("tls"), "the StatefulSet is untouched");
      assertEquals(java.util.List.of(), h.cluster.podCreations, "no member restarted");
      assertEquals("True", h.condition("tls", "Ready").getStatus(), "the cluster keeps running");

      // The Secret appears without the key: still invalid, with the key named.
      h.client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("missing-peer-tls")
          .endMetadata().addToStringData("tls.crt", "x").addToStringData("ca.crt", "y").build()).create();
      await("the missing key reported", () -> h.condition("tls", "SpecValid").getMessage().contains("tls.key"));
    }
  }
}
