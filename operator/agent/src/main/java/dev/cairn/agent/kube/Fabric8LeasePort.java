package dev.cairn.agent.kube;

import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.snapshot.SnapshotKind;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * {@link LeasePort} on the Kubernetes API through Fabric8: updates (never creates) the Leases the
 * operator made for this member and for the cluster's snapshots, with optimistic concurrency (a
 * conflicting update is retried by the next renewal).
 */
public final class Fabric8LeasePort implements LeasePort {

  private static final DateTimeFormatter MICRO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final String namespace;
  private final String memberLease;
  private final String fullLease;
  private final String deltaLease;

  public Fabric8LeasePort(
      KubernetesClient client, String namespace, String memberLease, String fullLease, String deltaLease) {
    this.client = client;
    this.namespace = namespace;
    this.memberLease = memberLease;
    this.fullLease = fullLease;
    this.deltaLease = deltaLease;
  }

  @Override
  public void renewMemberLease(String holderIdentity) {
    update(memberLease, holderIdentity, Instant.now());
  }

  @Override
  public void renewSnapshotLease(SnapshotKind kind, long endRevision, Instant snapshotTime) {
    update(kind == SnapshotKind.FULL ? fullLease : deltaLease, Long.toString(endRevision), snapshotTime);
  }

  private void update(String name, String holder, Instant time) {
    if (name == null || name.isEmpty()) {
      return;
    }
    Lease lease = client.leases().inNamespace(namespace).withName(name).get();
    if (lease == null) {
      throw new IllegalStateException(
          "Lease " + namespace + "/" + name + " does not exist; the operator creates it, the agent only renews it");
    }
    lease.getSpec().setHolderIdentity(holder);
    lease.getSpec().setRenewTime(time.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC));
    client.leases().inNamespace(namespace).resource(lease).update();
  }

  /** The MicroTime text for an instant, as the API server writes it. */
  static String microTime(Instant t) {
    return MICRO.format(t.truncatedTo(ChronoUnit.MICROS));
  }
}
