package dev.cairn.controller.protection;

import dev.cairn.api.Annotations;
import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The operator's side of resource protection (ADR 0009): the admission policy in {@code deploy/protection}
 * sees only the object under review, never its Etcd, so the operator copies the Etcd's annotation
 * {@code cairn.dev/disable-resource-protection: "true"} onto every object it protects as the label of the
 * same name, and takes it away when the annotation goes. Pure: no client.
 *
 * <p>The label goes on an object's own metadata only, never on the pod template or the
 * volumeClaimTemplate: a template change would restart every member (or be refused, for the immutable
 * claim template) just because someone opened the break-glass.
 */
public final class ResourceProtection {

  /** The label the policy reads; the same key as the Etcd annotation. */
  public static final String LABEL = Labels.DISABLE_RESOURCE_PROTECTION;

  /** Its only value. */
  public static final String DISABLED = "true";

  private ResourceProtection() {}

  /** True when the Etcd asks for protection to be lifted (annotation value {@code "true"}, any case). */
  public static boolean disabled(Etcd etcd) {
    Map<String, String> a = etcd.getMetadata().getAnnotations();
    return a != null && DISABLED.equalsIgnoreCase(a.get(Annotations.DISABLE_RESOURCE_PROTECTION));
  }

  /** Whether {@code object} carries the label (with any value: a value other than "true" is still ours to fix). */
  public static boolean labelled(HasMetadata object) {
    Map<String, String> l = object.getMetadata().getLabels();
    return l != null && l.containsKey(LABEL);
  }

  /** True when the label on {@code actual} is not what {@code disabled} asks for. */
  public static boolean labelDiffers(HasMetadata actual, boolean disabled) {
    Map<String, String> l = actual.getMetadata().getLabels();
    String value = l == null ? null : l.get(LABEL);
    return !Objects.equals(value, disabled ? DISABLED : null);
  }

  /** True when the label on {@code actual} differs from the one on {@code desired} (a builder's output). */
  public static boolean labelDiffers(HasMetadata actual, HasMetadata desired) {
    return labelDiffers(actual, labelled(desired));
  }

  /** Sets or removes the label in {@code target}; every other label stays as it is. */
  public static void setLabel(ObjectMeta target, boolean disabled) {
    Map<String, String> l = target.getLabels() == null ? new HashMap<>() : new HashMap<>(target.getLabels());
    if (disabled) {
      l.put(LABEL, DISABLED);
    } else {
      l.remove(LABEL);
    }
    target.setLabels(l);
  }

  /**
   * {@code labels} plus the label when {@code etcd} disables protection: the metadata a builder gives an
   * object the policy protects.
   */
  public static Map<String, String> withLabel(Map<String, String> labels, Etcd etcd) {
    if (!disabled(etcd)) {
      return labels;
    }
    Map<String, String> l = new TreeMap<>(labels);
    l.put(LABEL, DISABLED);
    return l;
  }
}
