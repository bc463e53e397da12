package dev.cairn.agent.restore;

/**
 * Who the restored member will be: etcd writes these into the new WAL's membership, so they must be
 * what the member starts with.
 *
 * @param name the member name (pod name)
 * @param peerUrls its advertised peer URL(s), comma-separated
 * @param initialCluster {@code name=peerURL,...}: the member alone for a restore from the store
 * @param clusterToken the initial cluster token
 */
public record RestoredMember(String name, String peerUrls, String initialCluster, String clusterToken) {

  /** A member that forms a cluster of its own. */
  public static RestoredMember alone(String name, String peerUrl, String clusterToken) {
    return new RestoredMember(name, peerUrl, name + "=" + peerUrl, clusterToken);
  }
}
