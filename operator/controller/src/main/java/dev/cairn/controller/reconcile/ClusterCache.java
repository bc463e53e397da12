package dev.cairn.controller.reconcile;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.model.ManagedMetadata;
import dev.cairn.controller.model.Names;
import dev.cairn.controller.status.Observation;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The informers the reconciler reads from (one per kind, each limited to objects labelled
 * managed-by=cairn), and the reads themselves: a reconcile never lists or gets from the API server,
 * which keeps a resync of hundreds of clusters cheap.
 */
final class ClusterCache {

  /** The objects besides the Observation that the reconciler compares with the desired ones. */
  record Managed(
      ConfigMap configMap, Service clientService, Service peerService, PodDisruptionBudget pdb,
      ServiceAccount serviceAccount, Role role, RoleBinding roleBinding) {}

  private ClusterCache() {}

  static List<EventSource<?, Etcd>> eventSources(EventSourceContext<Etcd> ctx) {
    String members = ManagedMetadata.MANAGED_SELECTOR + "," + Labels.COMPONENT + "=" + Labels.COMPONENT_MEMBER;
    return List.of(
        owned(ctx, StatefulSet.class, null),
        owned(ctx, ConfigMap.class, null),
        owned(ctx, Service.class, null),
        owned(ctx, PodDisruptionBudget.class, null),
        owned(ctx, ServiceAccount.class, null),
        owned(ctx, Role.class, null),
        owned(ctx, RoleBinding.class, null),
        owned(ctx, Lease.class, ClusterCache::leaseChanged),
        byInstance(ctx, Pod.class, members),
        byInstance(ctx, PersistentVolumeClaim.class, members));
  }

  private static <R extends HasMetadata> EventSource<R, Etcd> owned(
      EventSourceContext<Etcd> ctx, Class<R> type, OnUpdateFilter<R> filter) {
    var b = InformerEventSourceConfiguration.from(type, Etcd.class)
        .withName(type.getSimpleName())
        .withLabelSelector(ManagedMetadata.MANAGED_SELECTOR);
    if (filter != null) {
      b.withOnUpdateFilter(filter);
    }
    return new InformerEventSource<>(b.build(), ctx);
  }

  // Pods and PVCs belong to the StatefulSet, not the Etcd: they are mapped by the instance label.
  private static <R extends HasMetadata> EventSource<R, Etcd> byInstance(
      EventSourceContext<Etcd> ctx, Class<R> type, String selector) {
    SecondaryToPrimaryMapper<R> mapper = r -> {
      Map<String, String> l = r.getMetadata().getLabels();
      String instance = l == null ? null : l.get(Labels.INSTANCE);
      return instance == null ? Set.of() : Set.of(new ResourceID(instance, r.getMetadata().getNamespace()));
    };
    var cfg = InformerEventSourceConfiguration.from(type, Etcd.class)
        .withName(type.getSimpleName())
        .withLabelSelector(selector)
        .withSecondaryToPrimaryMapper(mapper)
        .build();
    return new InformerEventSource<>(cfg, ctx);
  }

  /**
   * A member Lease matters when what it says changes (holder: ID, cluster, role), not on every
   * heartbeat; expiry is judged on the reconciler's own beat. A snapshot Lease matters on every renewal.
   */
  static boolean leaseChanged(Lease now, Lease before) {
    var n = now.getSpec();
    var b = before.getSpec();
    String nh = n == null ? null : n.getHolderIdentity();
    String bh = b == null ? null : b.getHolderIdentity();
    if (!Objects.equals(nh, bh)) {
      return true;
    }
    if (Names.isSnapshotLease(now.getMetadata().getName())) {
      return !Objects.equals(n == null ? null : n.getRenewTime(), b == null ? null : b.getRenewTime());
    }
    return !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
        || !Objects.equals(now.getMetadata().getOwnerReferences(), before.getMetadata().getOwnerReferences());
  }

  static Observation observe(Etcd etcd, Context<Etcd> ctx) {
    String name = etcd.getMetadata().getName();
    StatefulSet sts = ctx.getSecondaryResources(StatefulSet.class).stream()
        .filter(s -> Names.statefulSet(etcd).equals(s.getMetadata().getName())).findFirst().orElse(null);
    Map<Integer, Pod> pods = new HashMap<>();
    for (Pod p : ctx.getSecondaryResources(Pod.class)) {
      OptionalInt o = Names.ordinal(name, p.getMetadata().getName());
      if (o.isPresent()) {
        pods.put(o.getAsInt(), p);
      }
    }
    Map<String, Lease> leases = new HashMap<>();
    for (Lease l : ctx.getSecondaryResources(Lease.class)) {
      leases.put(l.getMetadata().getName(), l);
    }
    Map<String, PersistentVolumeClaim> pvcs = new HashMap<>();
    for (PersistentVolumeClaim c : ctx.getSecondaryResources(PersistentVolumeClaim.class)) {
      pvcs.put(c.getMetadata().getName(), c);
    }
    return new Observation(sts, pods, leases, pvcs);
  }

  static Managed managed(Etcd etcd, Context<Etcd> ctx) {
    return new Managed(
        named(ctx, ConfigMap.class, Names.configMap(etcd)),
        named(ctx, Service.class, Names.clientService(etcd)),
        named(ctx, Service.class, Names.peerService(etcd)),
        named(ctx, PodDisruptionBudget.class, Names.podDisruptionBudget(etcd)),
        named(ctx, ServiceAccount.class, Names.rbac(etcd)),
        named(ctx, Role.class, Names.rbac(etcd)),
        named(ctx, RoleBinding.class, Names.rbac(etcd)));
  }

  private static <R extends HasMetadata> R named(Context<Etcd> ctx, Class<R> type, String name) {
    return ctx.getSecondaryResources(type).stream()
        .filter(r -> name.equals(r.getMetadata().getName())).findFirst().orElse(null);
  }
}
