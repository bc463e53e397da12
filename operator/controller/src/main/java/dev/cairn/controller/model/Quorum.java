package dev.cairn.controller.model;

/** Raft majority arithmetic, in one place so the PDB, scale-in and status agree. */
public final class Quorum {

  private Quorum() {}

  /** Votes needed for a decision among {@code members} voting members: a strict majority (0 for 0). */
  public static int of(int members) {
    return members <= 0 ? 0 : members / 2 + 1;
  }

  /**
   * PodDisruptionBudget minAvailable for {@code members}: the quorum, except 0 for a single member,
   * which cannot stay available through any disruption and must not block node drains forever.
   */
  public static int pdbMinAvailable(int members) {
    return members <= 1 ? 0 : of(members);
  }

  /** How many members may fail with the cluster still deciding. */
  public static int faultTolerance(int members) {
    return Math.max(0, members - of(members));
  }
}
