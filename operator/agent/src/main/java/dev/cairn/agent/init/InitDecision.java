package dev.cairn.agent.init;

import dev.cairn.agent.restore.RestoreTarget;
import dev.cairn.datadir.validation.ValidationOutcome;

/**
 * What a member does before etcd starts, from what initialisation found: the validation outcome,
 * the store, the other members. Pure, so the whole table is unit-tested; see docs/agent.md.
 *
 * <pre>
 * outcome            other members                    store            action
 * WrongVolume        any                              any              Fail
 * Valid              healthy, this member absent      any              Resync (wipe, join as learner) unless
 *                                                                      this data is newer than the cluster: Fail
 * Valid              otherwise                        any              Start on the data
 * Empty              healthy, this member added       any              Start, existing cluster (etcd syncs)
 * Empty              healthy, started or absent       any              Resync / join as learner
 * Corrupt, Stale     healthy                          any              Resync (remove, wipe, join as learner)
 * Empty..Stale       answer but no leader, or disagree any             Wait
 * Empty..Stale       single-member cluster, or none   has a full       Restore latest, alone
 *                    answers and this is the first
 * Empty              not healthy (any answer)         no snapshot      Start a new cluster (template)
 * Empty              none answers, not the first      has a full       Wait for the first to restore
 * Corrupt, Stale     single-member, no snapshot       -                Fail
 * Corrupt, Stale     several members, no snapshot     -                Wait for the others
 * any but Valid      -                                unreachable      Wait (never start empty over a store
 *                                                                      that may hold the cluster's data)
 * </pre>
 *
 * Directives from the operator come first: a restore (to latest, a snapshot or a revision) replaces
 * any data; force-new-cluster starts on valid data as a cluster of one.
 */
public final class InitDecision {

  private InitDecision() {}

  /** What the other members said when asked (MemberList, Status). */
  public enum Peers {
    /** The template has one member: there is nobody to ask. */
    NONE,
    /** A member answered and knows a leader: the cluster has quorum. */
    HEALTHY,
    /** Members answered but none knows a leader: the cluster lacks quorum now. */
    NO_LEADER,
    /** Members answered with different cluster IDs. */
    CONFLICT,
    /** Nobody answered during the probe grace period. */
    UNREACHABLE
  }

  /** This member's place in the healthy cluster's member list. */
  public enum Self {
    ABSENT,
    /** Added (MemberAdd) but never started: no name yet. */
    ADDED,
    /** A member that has run. */
    STARTED
  }

  /** A restore or force-new-cluster asked by the operator for this member, not yet carried out. */
  public sealed interface Directive {
    record None() implements Directive {}

    record Restore(RestoreTarget target, boolean allowTokenMismatch) implements Directive {}

    record ForceNewCluster() implements Directive {}
  }

  /**
   * @param dataRevision the revision of this member's db when it holds data, else -1
   * @param clusterRevision the healthy cluster's revision, else -1
   */
  public record Facts(ValidationOutcome outcome, Peers peers, Self self, boolean firstMember, boolean storeReachable,
      boolean storeHasFull, long dataRevision, long clusterRevision, Directive directive, boolean storeConfigured) {

    /** Facts of a member with a backup store configured. */
    public Facts(ValidationOutcome outcome, Peers peers, Self self, boolean firstMember, boolean storeReachable,
        boolean storeHasFull, long dataRevision, long clusterRevision, Directive directive) {
      this(outcome, peers, self, firstMember, storeReachable, storeHasFull, dataRevision, clusterRevision, directive,
          true);
    }
  }

  /** What to do. */
  public sealed interface Action {
    String reason();

    /** Start etcd: on the data there is, or a new cluster from the template. */
    record Start(boolean newCluster, boolean forceNewCluster, String reason) implements Action {}

    /** Restore from the store, then start as a cluster of one. */
    record Restore(RestoreTarget target, boolean allowTokenMismatch, String reason) implements Action {}

    /**
     * Rejoin the healthy cluster as a learner: remove this member when it is listed, wipe its data when
     * there is any, MemberAdd as learner, start with the cluster's members; promoted once in sync.
     */
    record Resync(boolean removeFirst, boolean wipe, String reason) implements Action {}

    /** Ask again later; nothing was changed. */
    record Wait(String reason) implements Action {}

    /** Do not start etcd. */
    record Fail(String reason) implements Action {}
  }

  public static Action decide(Facts f) {
    ValidationOutcome o = f.outcome();
    String kind = o.kind();
    if (f.directive() instanceof Directive.ForceNewCluster) {
      if (o instanceof ValidationOutcome.Valid) {
        return new Action.Start(false, true, "operator directive: force-new-cluster on this member's valid data");
      }
      return new Action.Fail("operator directive force-new-cluster needs this member's data, but the data dir is "
          + kind + "; choose a member with valid data");
    }
    if (f.directive() instanceof Directive.Restore r) {
      if (!f.storeConfigured()) {
        return new Action.Fail("operator directive: restore " + r.target().describe() + ", but no backup is configured"
            + " on this member (spec.backup, agent --store): configure the store and retry");
      }
      return new Action.Restore(r.target(), r.allowTokenMismatch(),
          "operator directive: restore " + r.target().describe() + " (data dir was " + kind + ")");
    }
    if (o instanceof ValidationOutcome.WrongVolume w) {
      return new Action.Fail("wrong volume: " + String.join("; ", w.reasons())
          + "; mount this member's own volume, the data here is never restored over");
    }
    boolean healthy = f.peers() == Peers.HEALTHY;
    if (o instanceof ValidationOutcome.Valid) {
      if (healthy && f.self() == Self.ABSENT) {
        if (f.dataRevision() > f.clusterRevision() && f.clusterRevision() >= 0) {
          return new Action.Fail("this member is not in the healthy cluster's member list, yet its data (revision "
              + f.dataRevision() + ") is newer than the cluster's (revision " + f.clusterRevision() + "): it is not"
              + " wiped; inspect it, copy what you need, then delete member/ to let it rejoin");
        }
        return new Action.Resync(false, true,
            "the data is valid but belongs to a member the healthy cluster no longer lists: rejoin as a learner");
      }
      return new Action.Start(false, false, "data dir is valid: etcd starts on its own data");
    }
    boolean empty = o instanceof ValidationOutcome.Empty;
    if (healthy) {
      return switch (f.self()) {
        case ADDED -> empty
            ? new Action.Start(false, false, "empty data dir of a member the cluster already added: etcd syncs")
            : new Action.Resync(true, true, "data dir is " + kind + " and the cluster is healthy: re-add as learner");
        case STARTED -> new Action.Resync(true, !empty,
            "data dir is " + kind + " and the other members are healthy: single-member restoration (remove,"
                + (empty ? "" : " wipe,") + " re-add as learner, sync, promote)");
        case ABSENT -> new Action.Resync(false, !empty, empty
            ? "new member of a healthy cluster (scale-up): join as learner, promoted when in sync"
            : "data dir is " + kind + " and this member is not in the healthy cluster: wipe and join as learner");
      };
    }
    if (f.peers() == Peers.CONFLICT) {
      return new Action.Wait("data dir is " + kind + "; the other members answer with different cluster IDs:"
          + " waiting until one cluster remains");
    }
    if (empty && f.storeReachable() && !f.storeHasFull()) {
      // Nothing to restore and nobody healthy to join: this is a cluster forming (its members start
      // together and wait for each other), never an empty member beside the store's data.
      return new Action.Start(true, false, "empty data dir, no snapshot in the store and no healthy cluster to join:"
          + " a new cluster from the template");
    }
    if (f.peers() == Peers.NO_LEADER) {
      return new Action.Wait("data dir is " + kind + "; other members answer but none has a leader (no quorum):"
          + " waiting for a healthy cluster to rejoin, never restoring beside members that hold data");
    }
    if (!f.storeReachable()) {
      return new Action.Wait("data dir is " + kind + " and the backup store does not answer: waiting (the store may"
          + " hold this cluster's data; starting without it could serve an empty or old keyspace)");
    }
    boolean alone = f.peers() == Peers.NONE;
    if (alone || f.firstMember()) {
      if (f.storeHasFull()) {
        return new Action.Restore(RestoreTarget.latest(), false, "data dir is " + kind + (alone
            ? " in a single-member cluster" : " and no other member answers (this is the first member)")
            + ": restore the newest state from the store");
      }
      if (alone && !f.storeConfigured()) {
        return new Action.Fail("data dir is " + kind + " in a single-member cluster and no backup is configured"
            + " (spec.backup), so there is nothing to restore from; the data cannot be recovered automatically");
      }
      if (alone) {
        return new Action.Fail("data dir is " + kind + " in a single-member cluster and the store holds no full"
            + " snapshot to restore from; the data cannot be recovered automatically");
      }
      return new Action.Wait("data dir is " + kind + ", no other member answers and the store holds no snapshot:"
          + " waiting for the other members");
    }
    return new Action.Wait("data dir is " + kind + " and no other member answers: waiting for the first member to"
        + " form the cluster (it restores from the store), then this member joins as a learner");
  }
}
