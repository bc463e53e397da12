package dev.cairn.controller.protection;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.Annotations;
import dev.cairn.api.Labels;
import dev.cairn.controller.testing.Harness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The operator copies the Etcd's {@code cairn.dev/disable-resource-protection} annotation onto every
 * object the admission policy protects as a label, takes it away when the annotation goes, never onto
 * the pod template (no member restarts), does it even while the spec is not applied, and a settled
 * cluster stays write-free either way. Against the CRUD mock API server with the fake cluster.
 */
class ProtectionLabelIT {

  /** Every object of Etcd {@code name} that the policy protects, as the API server has it now. */
  private static List<HasMetadata> protectedObjects(Harness h, String name) {
    String selector = Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE + "," + Labels.INSTANCE + "=" + name;
    Map<String, String> labels = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.INSTANCE, name);
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(h.client.apps().statefulSets().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.configMaps().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.services().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.policy().v1().podDisruptionBudget().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.serviceAccounts().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.rbac().roles().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.rbac().roleBindings().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.leases().inNamespace(NS).withLabels(labels).list().getItems());
    all.addAll(h.client.persistentVolumeClaims().inNamespace(NS).withLabels(labels).list().getItems());
    assertFalse(all.isEmpty(), "no objects labelled " + selector);
    return all;
  }

  private static String describe(List<HasMetadata> objects) {
    return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName() + "="
        + o.getMetadata().getLabels().get(ResourceProtection.LABEL)).collect(Collectors.joining(", "));
  }

  private static boolean allLabelled(List<HasMetadata> objects, boolean labelled) {
    return objects.stream().allMatch(o -> labelled
        ? "true".equals(o.getMetadata().getLabels().get(ResourceProtection.LABEL))
        : !o.getMetadata().getLabels().containsKey(ResourceProtection.LABEL));
  }

  /** The kinds the policy protects; all must be present, else the test proves nothing about one of them. */
  private static void assertEveryKindPresent(List<HasMetadata> objects) {
    assertEquals(
        List.of("ConfigMap", "Lease", "PersistentVolumeClaim", "PodDisruptionBudget", "Role", "RoleBinding",
            "Service", "ServiceAccount", "StatefulSet"),
        objects.stream().map(HasMetadata::getKind).distinct().sorted().toList());
  }

  private static void setAnnotation(Harness h, String name, String key, String value) {
    h.edit(name, e -> {
      Map<String, String> a = e.getMetadata().getAnnotations() == null
          ? new java.util.HashMap<>() : new java.util.HashMap<>(e.getMetadata().getAnnotations());
      if (value == null) {
        a.remove(key);
      } else {
        a.put(key, value);
      }
      e.getMetadata().setAnnotations(a);
    });
  }

  @Test
  void theAnnotationBecomesALabelOnEveryProtectedObjectAndGoesAgain() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("vault"));
      h.awaitReady("vault");
      StatefulSet before = h.client.apps().statefulSets().inNamespace(NS).withName("vault").get();
      List<String> podUids = h.client.pods().inNamespace(NS).list().getItems().stream()
          .map(p -> p.getMetadata().getUid()).sorted().toList();
      assertTrue(allLabelled(protectedObjects(h, "vault"), false), describe(protectedObjects(h, "vault")));
      assertEveryKindPresent(protectedObjects(h, "vault"));

      setAnnotation(h, "vault", Annotations.DISABLE_RESOURCE_PROTECTION, "true");
      await("every protected object labelled " + ResourceProtection.LABEL,
          () -> allLabelled(protectedObjects(h, "vault"), true), () -> describe(protectedObjects(h, "vault")));
      StatefulSet labelled = h.client.apps().statefulSets().inNamespace(NS).withName("vault").get();
      assertEquals(before.getSpec().getTemplate(), labelled.getSpec().getTemplate(),
          "the pod template must not change: a label there would restart every member");
      assertEquals(before.getSpec().getVolumeClaimTemplates(), labelled.getSpec().getVolumeClaimTemplates());
      h.assertSteadyStateWritesNothing();
      assertEquals(podUids, h.client.pods().inNamespace(NS).list().getItems().stream()
          .map(p -> p.getMetadata().getUid()).sorted().toList(), "no member pod was replaced");

      setAnnotation(h, "vault", Annotations.DISABLE_RESOURCE_PROTECTION, null);
      await("the label gone from every protected object",
          () -> allLabelled(protectedObjects(h, "vault"), false), () -> describe(protectedObjects(h, "vault")));
      assertEveryKindPresent(protectedObjects(h, "vault"));
      h.assertSteadyStateWritesNothing();
    }
  }

  @Test
  void theLabelFollowsTheAnnotationWhileTheSpecIsNotApplied() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("frozen"));
      h.awaitReady("frozen");
      setAnnotation(h, "frozen", Annotations.SUSPEND_RECONCILE, "true");
      await("the suspension reported", () -> {
        var op = h.get("frozen").getStatus().getLastOperation();
        return op != null && op.getDescription().contains(Annotations.SUSPEND_RECONCILE);
      });

      setAnnotation(h, "frozen", Annotations.DISABLE_RESOURCE_PROTECTION, "true");
      await("every protected object labelled while suspended",
          () -> allLabelled(protectedObjects(h, "frozen"), true), () -> describe(protectedObjects(h, "frozen")));
      h.assertSteadyStateWritesNothing();

      setAnnotation(h, "frozen", Annotations.DISABLE_RESOURCE_PROTECTION, null);
      await("the label gone while suspended",
          () -> allLabelled(protectedObjects(h, "frozen"), false), () -> describe(protectedObjects(h, "frozen")));
      h.assertSteadyStateWritesNothing();
    }
  }

  @Test
  void aLabelAddedByHandIsTakenAwayAndAnEditMadeUnderItStaysOnlyWhileTheAnnotationDoes() {
    try (Harness h = Harness.start()) {
      h.create(Harness.etcd("tamper"));
      h.awaitReady("tamper");
      // Where no admission policy runs (this API server), the operator still does not honour a hand-set label.
      h.client.configMaps().inNamespace(NS).withName("tamper-config").edit(cm -> {
        cm.getMetadata().getLabels().put(ResourceProtection.LABEL, "true");
        cm.getData().put("etcd.yaml", "hand-edited");
        return cm;
      });
      await("the hand-set label and the edit reverted", () -> {
        var cm = h.client.configMaps().inNamespace(NS).withName("tamper-config").get();
        return !cm.getMetadata().getLabels().containsKey(ResourceProtection.LABEL)
            && cm.getData().get("etcd.yaml").contains("initial-cluster");
      });
      h.assertSteadyStateWritesNothing();
    }
  }
}
