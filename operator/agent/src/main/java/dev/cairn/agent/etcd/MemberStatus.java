package dev.cairn.agent.etcd;

/**
 * What the local etcd member says about itself.
 *
 * @param memberId this member's id
 * @param clusterId the cluster's id
 * @param leaderId the member id of the leader it knows, 0 when none
 * @param revision the member's current store revision
 * @param version etcd server version
 * @param dbSize backend db size in bytes
 */
public record MemberStatus(long memberId, long clusterId, long leaderId, long revision, String version, long dbSize) {

  public boolean isLeader() {
    return leaderId != 0 && leaderId == memberId;
  }

  public String memberIdHex() {
    return Long.toHexString(memberId);
  }

  public String clusterIdHex() {
    return Long.toHexString(clusterId);
  }
}
