package dev.cairn.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiServerIT {

  private static final ResourceDefinitionContext ETCD =
      new ResourceDefinitionContext.Builder()
          .withGroup("cairn.dev").withVersion("v1alpha1").withKind("Etcd").withPlural("etcds").withNamespaced(true)
          .build();

  @Test
  void crdsAreInstalledAndStatusIsASubresource() {
    try (ApiServer api = ApiServer.start()) {
      KubernetesClient c = api.client();
      assertNotNull(c.apiextensions().v1().customResourceDefinitions().withName("etcds.cairn.dev").get());
      assertNotNull(c.apiextensions().v1().customResourceDefinitions().withName("etcdsnapshots.cairn.dev").get());
      assertNotNull(c.apiextensions().v1().customResourceDefinitions().withName("etcdopstasks.cairn.dev").get());

      GenericKubernetesResource etcd = new GenericKubernetesResource();
      etcd.setApiVersion("cairn.dev/v1alpha1");
      etcd.setKind("Etcd");
      etcd.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("e1").withNamespace("ns").build());
      etcd.setAdditionalProperty("spec", Map.of("replicas", 3));
      GenericKubernetesResource created = c.genericKubernetesResources(ETCD).inNamespace("ns").resource(etcd).create();

      created.setAdditionalProperty("status", Map.of("replicas", 3));
      c.genericKubernetesResources(ETCD).inNamespace("ns").resource(created).updateStatus();
      // A status write must not touch the spec, and a main-resource update must not touch status.
      GenericKubernetesResource got = c.genericKubernetesResources(ETCD).inNamespace("ns").withName("e1").get();
      assertEquals(Map.of("replicas", 3), got.getAdditionalProperties().get("status"));
    }
  }

  @Test
  void recordsWritesAndNotReads() {
    try (ApiServer api = ApiServer.start()) {
      KubernetesClient c = api.client();
      assertEquals(0, api.writeCount(), "CRD creation is not counted");
      c.configMaps().inNamespace("ns").resource(new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata()
          .addToData("k", "v").build()).create();
      c.configMaps().inNamespace("ns").withName("a").get();
      c.configMaps().inNamespace("ns").list();
      assertEquals(1, api.writeCount(), api.writes().toString());
      assertTrue(api.writes().get(0).startsWith("POST /api/v1/namespaces/ns/configmaps"), api.writes().toString());
      c.configMaps().inNamespace("ns").withName("a").delete();
      assertEquals(2, api.writeCount());
      api.resetWrites();
      assertEquals(0, api.writeCount());
    }
  }
}
