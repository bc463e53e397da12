package dev.cairn.controller.status;

import dev.cairn.api.v1alpha1.MemberRole;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Instant;
import java.util.Optional;

/**
 * What an agent reported in its member Lease: {@code holderIdentity = <memberID hex>:<clusterID
 * hex>:<Leader|Member|Learner>}, {@code renewTime} the heartbeat. Empty when never renewed or unreadable.
 */
public record MemberLease(String memberId, String clusterId, MemberRole role, Instant renewTime) {

  public static Optional<MemberLease> parse(Lease lease) {
    if (lease == null || lease.getSpec() == null) {
      return Optional.empty();
    }
    String holder = lease.getSpec().getHolderIdentity();
    if (holder == null || lease.getSpec().getRenewTime() == null) {
      return Optional.empty();
    }
    String[] p = holder.split(":");
    if (p.length != 3 || !p[0].matches("^[0-9a-f]{1,16}$") || !p[1].matches("^[0-9a-f]{1,16}$")) {
      return Optional.empty();
    }
    MemberRole role = switch (p[2]) {
      case "Leader" -> MemberRole.LEADER;
      case "Member" -> MemberRole.MEMBER;
      case "Learner" -> MemberRole.LEARNER;
      default -> null;
    };
    if (role == null) {
      return Optional.empty();
    }
    return Optional.of(new MemberLease(p[0], p[1], role, lease.getSpec().getRenewTime().toInstant()));
  }

  /** A snapshot Lease: holderIdentity the end revision, renewTime the snapshot time. */
  public record SnapshotLease(long revision, Instant time) {
    public static Optional<SnapshotLease> parse(Lease lease) {
      if (lease == null || lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null
          || lease.getSpec().getRenewTime() == null) {
        return Optional.empty();
      }
      try {
        return Optional.of(new SnapshotLease(
            Long.parseLong(lease.getSpec().getHolderIdentity().trim()), lease.getSpec().getRenewTime().toInstant()));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }
}
