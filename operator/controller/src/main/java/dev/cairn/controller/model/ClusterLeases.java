package dev.cairn.controller.model;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;

/**
 * The Leases the agents renew: one per member ({@code <name>-<ordinal>}, holderIdentity {@code
 * <memberID>:<clusterID>:<role>}) and one per snapshot kind (holderIdentity the end revision, renewTime
 * the snapshot time). Created empty: the operator never writes their spec, the agents never create them.
 */
public final class ClusterLeases {

  private ClusterLeases() {}

  public static Lease member(Etcd etcd, int ordinal) {
    return empty(etcd, Names.memberLease(etcd, ordinal));
  }

  public static Lease fullSnapshot(Etcd etcd) {
    return empty(etcd, Names.fullSnapshotLease(etcd));
  }

  public static Lease deltaSnapshot(Etcd etcd) {
    return empty(etcd, Names.deltaSnapshotLease(etcd));
  }

  private static Lease empty(Etcd etcd, String name) {
    return new LeaseBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, name, Labels.COMPONENT_LEASE))
        .withNewSpec().endSpec()
        .build();
  }
}
