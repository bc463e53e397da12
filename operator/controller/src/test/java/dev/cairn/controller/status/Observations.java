package dev.cairn.controller.status;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.model.MemberStatefulSet;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/** A hand-built cluster for pure status tests: pods, member Leases, PVCs. */
public final class Observations {

  public static final OperatorConfig CFG = OperatorConfig.defaults();
  public static final Instant NOW = Instant.parse("2025-03-01T12:30:00Z");

  final Etcd etcd;
  final int replicas;
  final Map<Integer, Pod> pods = new HashMap<>();
  final Map<String, Lease> leases = new HashMap<>();
  final Map<String, PersistentVolumeClaim> pvcs = new HashMap<>();

  public Observations(Etcd etcd, int replicas) {
    this.etcd = etcd;
    this.replicas = replicas;
  }

  /** Every member: pod ready, lease renewed {@code age} seconds ago, member 0 leads, PVC bound. */
  public static Observations healthy(Etcd etcd, int replicas) {
    Observations o = new Observations(etcd, replicas);
    for (int i = 0; i < replicas; i++) {
      o.pod(i, true).lease(i, i == 0 ? "Leader" : "Member", "c0ffee", 5).pvc(i, "Bound");
    }
    return o;
  }

  public Observations pod(int i, boolean ready) {
    pods.put(i, new PodBuilder().withNewMetadata().withName(etcd.getMetadata().getName() + "-" + i)
        .withUid("uid-" + i).endMetadata()
        .withNewStatus().withPodIP("10.0.0." + i).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
        .endCondition().endStatus().build());
    return this;
  }

  public Observations noPod(int i) {
    pods.remove(i);
    return this;
  }

  public Observations lease(int i, String role, String cluster, long ageSeconds) {
    String name = etcd.getMetadata().getName() + "-" + i;
    leases.put(name, new LeaseBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .withHolderIdentity(Long.toHexString(0x1000 + i) + ":" + cluster + ":" + role)
        .withRenewTime(NOW.minusSeconds(ageSeconds).atZone(ZoneOffset.UTC)).endSpec().build());
    return this;
  }

  public Observations emptyLease(int i) {
    String name = etcd.getMetadata().getName() + "-" + i;
    leases.put(name, new LeaseBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec().build());
    return this;
  }

  public Observations snapshotLease(String kind, long revision, Instant time) {
    String name = etcd.getMetadata().getName() + "-" + kind + "-snapshot";
    leases.put(name, new LeaseBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .withHolderIdentity(Long.toString(revision)).withRenewTime(time.atZone(ZoneOffset.UTC)).endSpec().build());
    return this;
  }

  public Observations pvc(int i, String phase) {
    String name = "data-" + etcd.getMetadata().getName() + "-" + i;
    pvcs.put(name, new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewStatus().withPhase(phase).endStatus().build());
    return this;
  }

  public Observation build() {
    return new Observation(MemberStatefulSet.build(etcd, CFG, replicas, null), pods, leases, pvcs);
  }
}
