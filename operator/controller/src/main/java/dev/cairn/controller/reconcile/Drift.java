package dev.cairn.controller.reconcile;

import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.protection.ResourceProtection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares what exists with what the builders want, on the fields the operator owns only, and merges
 * the owned fields into the existing object for an update (keeping its resourceVersion, server defaults
 * and fields other controllers added). Without server-side apply this is how a steady state stays
 * write-free (ADR 0001). Pure: no client.
 */
public final class Drift {

  private Drift() {}

  /**
   * True when the desired labels, annotations or our owner reference are missing or different, or the
   * resource-protection label is there without being desired.
   */
  static boolean metadataDiffers(HasMetadata actual, HasMetadata desired) {
    ObjectMeta a = actual.getMetadata();
    ObjectMeta d = desired.getMetadata();
    return !contains(a.getLabels(), d.getLabels())
        || ResourceProtection.labelDiffers(actual, desired)
        || !contains(a.getAnnotations(), d.getAnnotations())
        || !ownedBy(a, d.getOwnerReferences());
  }

  private static boolean contains(Map<String, String> actual, Map<String, String> wanted) {
    if (wanted == null || wanted.isEmpty()) {
      return true;
    }
    if (actual == null) {
      return false;
    }
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      if (!Objects.equals(actual.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean ownedBy(ObjectMeta actual, List<OwnerReference> wanted) {
    if (wanted == null) {
      return true;
    }
    for (OwnerReference w : wanted) {
      boolean found = actual.getOwnerReferences() != null && actual.getOwnerReferences().stream()
          .anyMatch(o -> Objects.equals(o.getUid(), w.getUid()) && Objects.equals(o.getKind(), w.getKind()));
      if (!found) {
        return false;
      }
    }
    return true;
  }

  /** Adds the desired labels, annotations and owner reference to {@code target}'s metadata. */
  static void mergeMetadata(ObjectMeta target, ObjectMeta desired) {
    if (desired.getLabels() != null) {
      Map<String, String> l = target.getLabels() == null ? new HashMap<>() : new HashMap<>(target.getLabels());
      l.putAll(desired.getLabels());
      target.setLabels(l);
    }
    // The resource-protection label is the operator's own: it goes when the builder no longer sets it.
    ResourceProtection.setLabel(target, desired.getLabels() != null
        && desired.getLabels().containsKey(ResourceProtection.LABEL));
    if (desired.getAnnotations() != null) {
      Map<String, String> a = target.getAnnotations() == null ? new HashMap<>() : new HashMap<>(target.getAnnotations());
      a.putAll(desired.getAnnotations());
      target.setAnnotations(a);
    }
    if (!ownedBy(target, desired.getOwnerReferences())) {
      List<OwnerReference> refs = target.getOwnerReferences() == null
          ? new ArrayList<>() : new ArrayList<>(target.getOwnerReferences());
      for (OwnerReference w : desired.getOwnerReferences()) {
        refs.removeIf(o -> Objects.equals(o.getUid(), w.getUid()));
        refs.add(w);
      }
      target.setOwnerReferences(refs);
    }
  }

  // ConfigMap: the data.

  static boolean differs(ConfigMap actual, ConfigMap desired) {
    return metadataDiffers(actual, desired) || !Objects.equals(orEmpty(actual.getData()), orEmpty(desired.getData()));
  }

  static ConfigMap merged(ConfigMap actual, ConfigMap desired) {
    ConfigMap m = new ConfigMapBuilder(actual).withData(desired.getData()).build();
    mergeMetadata(m.getMetadata(), desired.getMetadata());
    return m;
  }

  // Service: type, selector, ports, headless, publishNotReadyAddresses. clusterIP and the rest are the server's.

  static boolean differs(Service actual, Service desired) {
    if (metadataDiffers(actual, desired)) {
      return true;
    }
    var a = actual.getSpec();
    var d = desired.getSpec();
    if (a == null) {
      return true;
    }
    boolean headlessWanted = "None".equals(d.getClusterIP());
    return !Objects.equals(orDefault(a.getType(), "ClusterIP"), d.getType())
        || !Objects.equals(orEmpty(a.getSelector()), orEmpty(d.getSelector()))
        || !ports(a.getPorts()).equals(ports(d.getPorts()))
        || headlessWanted != "None".equals(a.getClusterIP())
        || Boolean.TRUE.equals(a.getPublishNotReadyAddresses()) != Boolean.TRUE.equals(d.getPublishNotReadyAddresses());
  }

  static Service merged(Service actual, Service desired) {
    var d = desired.getSpec();
    Service m = new ServiceBuilder(actual)
        .editSpec()
        .withType(d.getType())
        .withSelector(d.getSelector())
        .withPorts(d.getPorts())
        .withPublishNotReadyAddresses(d.getPublishNotReadyAddresses())
        .endSpec()
        .build();
    mergeMetadata(m.getMetadata(), desired.getMetadata());
    return m;
  }

  private static List<String> ports(List<ServicePort> ports) {
    List<String> out = new ArrayList<>();
    if (ports != null) {
      for (ServicePort p : ports) {
        IntOrString t = p.getTargetPort();
        String target = t == null ? String.valueOf(p.getPort())
            : t.getIntVal() != null ? String.valueOf(t.getIntVal()) : t.getStrVal();
        out.add(p.getName() + "/" + p.getPort() + "/" + target + "/" + orDefault(p.getProtocol(), "TCP"));
      }
    }
    out.sort(null);
    return out;
  }

  // PodDisruptionBudget: minAvailable and selector.

  static boolean differs(PodDisruptionBudget actual, PodDisruptionBudget desired) {
    return metadataDiffers(actual, desired)
        || actual.getSpec() == null
        || !Objects.equals(intOf(actual.getSpec().getMinAvailable()), intOf(desired.getSpec().getMinAvailable()))
        || !Objects.equals(actual.getSpec().getSelector(), desired.getSpec().getSelector());
  }

  static PodDisruptionBudget merged(PodDisruptionBudget actual, PodDisruptionBudget desired) {
    PodDisruptionBudget m = new PodDisruptionBudgetBuilder(actual)
        .editOrNewSpec()
        .withMinAvailable(desired.getSpec().getMinAvailable())
        .withMaxUnavailable(null)
        .withSelector(desired.getSpec().getSelector())
        .endSpec()
        .build();
    mergeMetadata(m.getMetadata(), desired.getMetadata());
    return m;
  }

  private static Integer intOf(IntOrString v) {
    return v == null ? null : v.getIntVal();
  }

  // Role: the rules. RoleBinding: subjects (roleRef is immutable and never changes for us).

  static boolean differs(Role actual, Role desired) {
    return metadataDiffers(actual, desired) || !Objects.equals(actual.getRules(), desired.getRules());
  }

  static Role merged(Role actual, Role desired) {
    Role m = new RoleBuilder(actual).withRules(desired.getRules()).build();
    mergeMetadata(m.getMetadata(), desired.getMetadata());
    return m;
  }

  static boolean differs(RoleBinding actual, RoleBinding desired) {
    return metadataDiffers(actual, desired) || !Objects.equals(actual.getSubjects(), desired.getSubjects());
  }

  static RoleBinding merged(RoleBinding actual, RoleBinding desired) {
    RoleBinding m = new RoleBindingBuilder(actual).withSubjects(desired.getSubjects()).build();
    mergeMetadata(m.getMetadata(), desired.getMetadata());
    return m;
  }

  // StatefulSet: replicas, update strategy, PVC retention, the pod template (compared by its self-hash,
  // which survives the server's defaulting of template fields), and the hibernation marker.

  static boolean differs(StatefulSet actual, StatefulSet desired) {
    if (metadataDiffers(actual, desired) || actual.getSpec() == null) {
      return true;
    }
    var a = actual.getSpec();
    var d = desired.getSpec();
    return !Objects.equals(a.getReplicas(), d.getReplicas())
        || a.getUpdateStrategy() == null || !Objects.equals(a.getUpdateStrategy().getType(), d.getUpdateStrategy().getType())
        || !Objects.equals(templateHash(actual), templateHash(desired))
        || !Objects.equals(a.getPersistentVolumeClaimRetentionPolicy(), d.getPersistentVolumeClaimRetentionPolicy())
        || !Objects.equals(annotation(actual, MemberStatefulSet.HIBERNATED_REPLICAS),
            annotation(desired, MemberStatefulSet.HIBERNATED_REPLICAS));
  }

  /**
   * The update: owned fields from {@code desired}; selector, serviceName, podManagementPolicy and
   * volumeClaimTemplates stay as they are, because the API server refuses to change them.
   */
  static StatefulSet merged(StatefulSet actual, StatefulSet desired) {
    var d = desired.getSpec();
    StatefulSet m = new StatefulSetBuilder(actual)
        .editSpec()
        .withReplicas(d.getReplicas())
        .withUpdateStrategy(d.getUpdateStrategy())
        .withPersistentVolumeClaimRetentionPolicy(d.getPersistentVolumeClaimRetentionPolicy())
        .withTemplate(d.getTemplate())
        .endSpec()
        .build();
    mergeMetadata(m.getMetadata(), desired.getMetadata());
    if (annotation(desired, MemberStatefulSet.HIBERNATED_REPLICAS) == null && m.getMetadata().getAnnotations() != null) {
      Map<String, String> a = new HashMap<>(m.getMetadata().getAnnotations());
      a.remove(MemberStatefulSet.HIBERNATED_REPLICAS);
      m.getMetadata().setAnnotations(a);
    }
    return m;
  }

  /** The pod template's self-hash annotation, null when absent. */
  static String templateHash(StatefulSet sts) {
    if (sts.getSpec() == null || sts.getSpec().getTemplate() == null || sts.getSpec().getTemplate().getMetadata() == null
        || sts.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
      return null;
    }
    return sts.getSpec().getTemplate().getMetadata().getAnnotations().get(MemberStatefulSet.POD_SPEC_HASH);
  }

  static String annotation(HasMetadata o, String key) {
    return o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get(key);
  }

  private static <K, V> Map<K, V> orEmpty(Map<K, V> m) {
    return m == null ? Map.of() : m;
  }

  private static String orDefault(String v, String d) {
    return v == null ? d : v;
  }
}
