package dev.cairn.controller.etcd;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

/**
 * The operator's calls to a member's agent HTTP API: the final full snapshot before hibernation, the
 * on-demand snapshots of a Snapshot task (both sent to the leader's agent), the member report a
 * RecoverQuorum task reads from every member, and the outcome of a bootstrap directive that the
 * starting member of a RecoverQuorum or Restore task carried out. Behind an interface so reconciler tests use a fake;
 * {@link HttpAgentClient} is the real one.
 */
public interface AgentClient {

  /**
   * The agent's base URL ({@code http(s)://host:port}); with agent TLS, the CA to trust; the API token
   * the agent requires of requests that act (null: none sent). Printed as its URL only.
   */
  record Target(URI baseUrl, byte[] caPem, String token) {
    public Target(URI baseUrl, byte[] caPem) {
      this(baseUrl, caPem, null);
    }

    @Override
    public String toString() {
      return baseUrl.toString();
    }
  }

  /** What the agent reported about the snapshot it stored. */
  record Snapshot(String object, long endRevision, Instant createdAt) {}

  /** {@code POST /snapshot/full?final=true}: a full snapshot marked final, stored before returning. */
  Snapshot finalFullSnapshot(Target target, Duration timeout) throws AgentException;

  /**
   * What a member's agent reports about its local etcd, which it can tell without quorum: the etcd
   * Maintenance.Status of its own member when etcd runs, else the revision of the db file on disk.
   *
   * @param memberId etcd member ID in hex, or null when unknown
   * @param clusterId etcd cluster ID in hex, or null when unknown
   * @param revision the newest revision in the member's data, -1 when there is none
   * @param etcdRunning whether the local etcd answered
   * @param dataDirPresent whether the member's data directory holds etcd data
   * @param problem the agent's words when it could not read the data it found (an unreadable db), else null
   */
  record MemberReport(String memberId, String clusterId, long revision, boolean etcdRunning, boolean dataDirPresent,
      String problem) {

    /** A report without a problem. */
    public MemberReport(String memberId, String clusterId, long revision, boolean etcdRunning,
        boolean dataDirPresent) {
      this(memberId, clusterId, revision, etcdRunning, dataDirPresent, null);
    }

    /**
     * Whether the data the member holds is unknown although the agent answered: a data directory
     * without a revision, or a problem reading it. Such a member may hold the newest writes; counting
     * it as empty would let a recovery delete its volume.
     */
    public boolean dataUnknown() {
      return problem != null || dataDirPresent && revision < 0;
    }
  }

  /**
   * {@code GET /member/status}: the member report. An agent that cannot be reached or answers
   * anything else throws: nothing is known then about what the member holds.
   */
  default MemberReport memberStatus(Target target, Duration timeout) throws AgentException {
    throw new AgentException("this agent client cannot ask " + target + " for its member status");
  }

  /**
   * The directive an agent keeps on its member's volume and what came of it.
   *
   * @param id the id it was given (a task's UID)
   * @param action {@code restore} or {@code forceNewCluster}
   * @param state {@code pending} (not carried out yet), {@code done} or {@code failed}
   * @param message the agent's words on the outcome (for a restore, {@code restored <target>}), or null
   */
  record Directive(String id, String action, String state, String message) {
    public boolean done() {
      return "done".equals(state);
    }

    public boolean failed() {
      return "failed".equals(state);
    }
  }

  /**
   * {@code GET /initialization/directive}: the directive on the member's volume and its outcome;
   * empty when the agent holds none. Throws when the agent cannot be reached or answers anything else.
   */
  default java.util.Optional<Directive> directive(Target target, Duration timeout) throws AgentException {
    throw new AgentException("this agent client cannot ask " + target + " for its directive");
  }

  /**
   * {@code POST /snapshot/full[?final=true]} or {@code POST /snapshot/delta}: a snapshot now, stored
   * before returning. Empty for a delta when no event was buffered (HTTP 204). Throws when the agent
   * refuses (409: not the leader, stale or hibernating) or cannot be reached.
   */
  default java.util.Optional<Snapshot> snapshot(Target target, boolean full, boolean finalSnapshot, Duration timeout)
      throws AgentException {
    if (full && finalSnapshot) {
      return java.util.Optional.of(finalFullSnapshot(target, timeout));
    }
    throw new AgentException("this agent client cannot ask " + target + " for a " + (full ? "full" : "delta")
        + " snapshot");
  }
}
