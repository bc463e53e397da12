package dev.cairn.controller.model;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

/** The two Services of a cluster: client traffic (and the agent API), and the headless peer Service. */
public final class ClusterServices {

  private ClusterServices() {}

  /** {@code <name>-client}: ClusterIP over ready members, client and agent ports. */
  public static Service client(Etcd etcd) {
    return new ServiceBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.clientService(etcd), Labels.COMPONENT_CLIENT_SERVICE))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(ManagedMetadata.memberSelector(etcd))
        .withPorts(
            port("client", etcd.getSpec().getEtcd().getClientPort()),
            port("agent", etcd.getSpec().getAgent().getPort()))
        .endSpec()
        .build();
  }

  /**
   * {@code <name>-peer}: headless, so every member has the stable DNS name {@code
   * <pod>.<name>-peer.<ns>.svc}; not-ready addresses are published because members must find each
   * other before any of them is ready.
   */
  public static Service peer(Etcd etcd) {
    return new ServiceBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.peerService(etcd), Labels.COMPONENT_PEER_SERVICE))
        .withNewSpec()
        .withType("ClusterIP")
        .withClusterIP("None")
        .withPublishNotReadyAddresses(true)
        .withSelector(ManagedMetadata.memberSelector(etcd))
        .withPorts(
            port("peer", etcd.getSpec().getEtcd().getPeerPort()),
            port("client", etcd.getSpec().getEtcd().getClientPort()))
        .endSpec()
        .build();
  }

  private static ServicePort port(String name, int port) {
    return new ServicePortBuilder()
        .withName(name).withPort(port).withTargetPort(new IntOrString(port)).withProtocol("TCP").build();
  }
}
