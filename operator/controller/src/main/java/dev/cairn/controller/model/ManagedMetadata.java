package dev.cairn.controller.model;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.protection.ResourceProtection;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Labels and owner references the operator puts on everything it creates for an Etcd. */
public final class ManagedMetadata {

  /** Label selector (equality only: the test API server has no set-based selectors) for the informers. */
  public static final String MANAGED_SELECTOR = Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE;

  private ManagedMetadata() {}

  /** The standard labels with {@code component}. */
  public static Map<String, String> labels(Etcd etcd, String component) {
    Map<String, String> m = new TreeMap<>();
    m.put(Labels.NAME, Labels.NAME_VALUE);
    m.put(Labels.INSTANCE, etcd.getMetadata().getName());
    m.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    m.put(Labels.COMPONENT, component);
    return m;
  }

  /** Labels of the member pods and their PVCs: the StatefulSet selector plus managed-by. */
  public static Map<String, String> memberLabels(Etcd etcd) {
    return labels(etcd, Labels.COMPONENT_MEMBER);
  }

  /** The StatefulSet's (immutable) selector: exactly {@link Labels#memberSelector}. */
  public static Map<String, String> memberSelector(Etcd etcd) {
    return new TreeMap<>(Labels.memberSelector(etcd.getMetadata().getName()));
  }

  /** The controller owner reference to the Etcd: deleting it deletes the object (where GC runs). */
  public static OwnerReference owner(Etcd etcd) {
    return new OwnerReferenceBuilder()
        .withApiVersion(Etcd.API_VERSION)
        .withKind("Etcd")
        .withName(etcd.getMetadata().getName())
        .withUid(etcd.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /**
   * Metadata of a managed object: name, the Etcd's namespace, component labels (plus the
   * resource-protection label while the Etcd disables protection), owner reference.
   */
  public static ObjectMeta meta(Etcd etcd, String name, String component) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(etcd.getMetadata().getNamespace())
        .withLabels(ResourceProtection.withLabel(labels(etcd, component), etcd))
        .withOwnerReferences(List.of(owner(etcd)))
        .build();
  }
}
