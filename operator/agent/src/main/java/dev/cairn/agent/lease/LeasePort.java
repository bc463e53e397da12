package dev.cairn.agent.lease;

import dev.cairn.agent.snapshot.SnapshotKind;
import java.time.Instant;

/**
 * The agent's only touch point with Kubernetes: renewing Leases the operator created. The member
 * Lease says who this member is and its role; the snapshot Leases say how far the backups reach.
 * Implementations must not create Leases (the operator owns them) and must never block for long.
 */
public interface LeasePort {

  /** Sets the member Lease's holderIdentity ({@link #memberHolderIdentity}) and renewTime to now. */
  void renewMemberLease(String holderIdentity) throws Exception;

  /** Sets the full or delta snapshot Lease's holderIdentity to the end revision and renewTime to the snapshot time. */
  void renewSnapshotLease(SnapshotKind kind, long endRevision, Instant snapshotTime) throws Exception;

  /** {@code <memberID hex>:<clusterID hex>:<Leader|Member|Learner>}. */
  static String memberHolderIdentity(long memberId, long clusterId, MemberRole role) {
    return Long.toHexString(memberId) + ":" + Long.toHexString(clusterId) + ":" + role.value();
  }

  /** A port that does nothing: outside Kubernetes (the CLI's snapshot mode, local runs). */
  LeasePort NONE =
      new LeasePort() {
        @Override
        public void renewMemberLease(String holderIdentity) {}

        @Override
        public void renewSnapshotLease(SnapshotKind kind, long endRevision, Instant snapshotTime) {}
      };
}
