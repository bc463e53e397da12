package dev.cairn.controller.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.Annotations;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.model.AgentRbac;
import dev.cairn.controller.model.ClusterLeases;
import dev.cairn.controller.model.ClusterServices;
import dev.cairn.controller.model.DisruptionBudget;
import dev.cairn.controller.model.Fixtures;
import dev.cairn.controller.model.MemberConfigMap;
import dev.cairn.controller.model.MemberStatefulSet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceProtectionTest {

  private static Etcd disabled(String value) {
    Etcd e = Fixtures.plain();
    e.getMetadata().setAnnotations(Map.of(Annotations.DISABLE_RESOURCE_PROTECTION, value));
    return e;
  }

  private static List<HasMetadata> builtObjects(Etcd e) {
    return List.of(MemberStatefulSet.build(e, Fixtures.CFG, 3, null), MemberConfigMap.build(e, Fixtures.CFG, 3),
        ClusterServices.client(e), ClusterServices.peer(e), DisruptionBudget.build(e, 3), AgentRbac.serviceAccount(e),
        AgentRbac.role(e), AgentRbac.roleBinding(e), ClusterLeases.member(e, 0), ClusterLeases.fullSnapshot(e),
        ClusterLeases.deltaSnapshot(e));
  }

  @Test
  void onlyTheValueTrueDisablesProtection() {
    assertFalse(ResourceProtection.disabled(Fixtures.plain()));
    assertTrue(ResourceProtection.disabled(disabled("true")));
    assertTrue(ResourceProtection.disabled(disabled("True")));
    assertFalse(ResourceProtection.disabled(disabled("yes")));
    assertFalse(ResourceProtection.disabled(disabled("")));
  }

  @Test
  void everyBuiltObjectCarriesTheLabelExactlyWhileTheEtcdDisablesProtection() {
    for (HasMetadata o : builtObjects(Fixtures.plain())) {
      assertFalse(ResourceProtection.labelled(o), o.getKind() + " " + o.getMetadata().getName());
    }
    for (HasMetadata o : builtObjects(disabled("true"))) {
      assertEquals("true", o.getMetadata().getLabels().get(ResourceProtection.LABEL),
          o.getKind() + " " + o.getMetadata().getName());
      assertEquals("cairn", o.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    }
  }

  @Test
  void theLabelNeverReachesThePodTemplateOrTheClaimTemplate() {
    StatefulSet on = MemberStatefulSet.build(Fixtures.plain(), Fixtures.CFG, 3, null);
    StatefulSet off = MemberStatefulSet.build(disabled("true"), Fixtures.CFG, 3, null);
    assertEquals(on.getSpec().getTemplate(), off.getSpec().getTemplate(), "a template change restarts every member");
    assertEquals(on.getSpec().getVolumeClaimTemplates(), off.getSpec().getVolumeClaimTemplates(),
        "the claim template is immutable");
  }

  @Test
  void labelDiffersAndSetLabelTouchOnlyThatLabel() {
    var cm = new ConfigMapBuilder().withNewMetadata().withName("x").addToLabels("team", "a").endMetadata().build();
    assertFalse(ResourceProtection.labelDiffers(cm, false));
    assertTrue(ResourceProtection.labelDiffers(cm, true));
    ObjectMeta m = cm.getMetadata();
    ResourceProtection.setLabel(m, true);
    assertEquals(Map.of("team", "a", ResourceProtection.LABEL, "true"), m.getLabels());
    assertFalse(ResourceProtection.labelDiffers(cm, true));
    m.getLabels().put(ResourceProtection.LABEL, "false");
    assertTrue(ResourceProtection.labelDiffers(cm, true), "another value is not ours");
    assertTrue(ResourceProtection.labelDiffers(cm, false), "any value is removed when protection is on");
    ResourceProtection.setLabel(m, false);
    assertEquals(Map.of("team", "a"), m.getLabels());
    ObjectMeta empty = new ObjectMeta();
    ResourceProtection.setLabel(empty, false);
    assertEquals(Map.of(), empty.getLabels());
  }
}
