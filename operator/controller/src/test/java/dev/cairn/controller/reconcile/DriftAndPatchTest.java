package dev.cairn.controller.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.model.ClusterServices;
import dev.cairn.controller.model.MemberConfigMap;
import dev.cairn.controller.model.MemberStatefulSet;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class DriftAndPatchTest {

  private static final OperatorConfig CFG = OperatorConfig.defaults();
  private static final Etcd E = etcd();

  private static Etcd etcd() {
    Etcd e = new Etcd("ns", "kv");
    e.getMetadata().setUid("uid-1");
    return e;
  }

  @Test
  void serverDefaultsAndForeignLabelsAreNotDrift() {
    var desired = ClusterServices.client(E);
    var actual = new ServiceBuilder(desired)
        .editMetadata().withResourceVersion("7").addToLabels("team", "db").endMetadata()
        .editSpec().withClusterIP("10.96.0.12").withSessionAffinity("None").withIpFamilies("IPv4").endSpec()
        .build();
    assertFalse(Drift.differs(actual, desired));
    actual.getSpec().getPorts().get(0).setPort(2999);
    assertTrue(Drift.differs(actual, desired));
    var merged = Drift.merged(actual, desired);
    assertEquals(2379, merged.getSpec().getPorts().get(0).getPort());
    assertEquals("10.96.0.12", merged.getSpec().getClusterIP(), "the server's fields are kept");
    assertEquals("db", merged.getMetadata().getLabels().get("team"), "other labels are kept");
    assertEquals("7", merged.getMetadata().getResourceVersion(), "updates carry the resourceVersion read");
  }

  @Test
  void statefulSetTemplateIsComparedByItsHashAndImmutableFieldsStay() {
    var desired = MemberStatefulSet.build(E, CFG, 3, null);
    var actual = new StatefulSetBuilder(desired).editSpec().editTemplate().editSpec()
        .withDnsPolicy("ClusterFirst").withRestartPolicy("Always").endSpec().endTemplate().endSpec().build();
    assertFalse(Drift.differs(actual, desired), "template fields the server defaults are not drift");
    var scaled = MemberStatefulSet.build(E, CFG, 4, null);
    assertTrue(Drift.differs(actual, scaled));
    Etcd bigger = etcd();
    bigger.getSpec().getStorage().setCapacity(new io.fabric8.kubernetes.api.model.Quantity("50Gi"));
    var merged = Drift.merged(actual, MemberStatefulSet.build(bigger, CFG, 4, null));
    assertEquals(4, merged.getSpec().getReplicas());
    assertEquals(actual.getSpec().getVolumeClaimTemplates(), merged.getSpec().getVolumeClaimTemplates(),
        "volumeClaimTemplates are immutable and kept");
    var hibernated = MemberStatefulSet.build(E, CFG, 0, 3);
    assertTrue(Drift.differs(actual, hibernated));
    var woke = Drift.merged(Drift.merged(actual, hibernated), desired);
    assertFalse(woke.getMetadata().getAnnotations().containsKey(MemberStatefulSet.HIBERNATED_REPLICAS),
        "the hibernation marker goes on wake-up");
  }

  @Test
  void configMapDataAndMissingOwnerAreDrift() {
    var desired = MemberConfigMap.build(E, CFG, 3);
    var actual = MemberConfigMap.build(E, CFG, 3);
    assertFalse(Drift.differs(actual, desired));
    actual.getMetadata().setOwnerReferences(List.of());
    assertTrue(Drift.differs(actual, desired));
    actual = MemberConfigMap.build(E, CFG, 3);
    actual.setData(new HashMap<>(actual.getData()));
    actual.getData().put("etcd.yaml", "edited");
    assertTrue(Drift.differs(actual, desired));
  }

  @Test
  void statusPatchReplacesOnlyChangedFieldsAndRemovesVanishedOnes() {
    EtcdStatus a = new EtcdStatus();
    a.setReplicas(3);
    a.setClusterID("c0ffee");
    a.setLastErrors(List.of(new dev.cairn.api.v1alpha1.LastError()));
    EtcdStatus b = new EtcdStatus();
    b.setReplicas(3);
    b.setClusterID("c0ffee");
    b.setReadyReplicas(2);
    assertEquals("[{\"op\":\"add\",\"path\":\"/status/readyReplicas\",\"value\":2},"
        + "{\"op\":\"remove\",\"path\":\"/status/lastErrors\"}]", StatusPatch.between(a, b).replace(
            "[{\"op\":\"remove\",\"path\":\"/status/lastErrors\"},{\"op\":\"add\",\"path\":\"/status/readyReplicas\",\"value\":2}]",
            "[{\"op\":\"add\",\"path\":\"/status/readyReplicas\",\"value\":2},{\"op\":\"remove\",\"path\":\"/status/lastErrors\"}]"));
    assertEquals("[]", StatusPatch.between(b, b));
    assertTrue(StatusPatch.between(null, b).startsWith("[{\"op\":\"add\",\"path\":\"/status\""));
  }

  @Test
  void theEtcdFilterIgnoresStatusOnlyUpdates() {
    Etcd before = etcd();
    before.getMetadata().setGeneration(1L);
    Etcd after = etcd();
    after.getMetadata().setGeneration(1L);
    after.setStatus(new EtcdStatus());
    after.getStatus().setReplicas(3);
    assertFalse(EtcdReconciler.primaryChanged(after, before));
    after.getMetadata().setAnnotations(java.util.Map.of("cairn.dev/suspend-reconcile", "true"));
    assertTrue(EtcdReconciler.primaryChanged(after, before));
    Etcd gen = etcd();
    gen.getMetadata().setGeneration(2L);
    assertTrue(EtcdReconciler.primaryChanged(gen, before));
  }
}
