package dev.cairn.agent.restore;

/**
 * What a restore to an older point than the store's newest revision does with the store (ADR 0008).
 * Restoring the newest state never changes the store, whatever is chosen.
 */
public sealed interface Timeline {

  /**
   * The restored member becomes the cluster: everything the store holds above the restored revision
   * is moved into archive {@code archiveId} (not deleted; only an opt-in archive retention removes it,
   * once finished and old) so that no later start judges the member
   * stale and restores the abandoned newer state over it. The same id again resumes or confirms the
   * same archiving (a crashed restore, run again).
   */
  record NewTimeline(String archiveId) implements Timeline {
    public NewTimeline {
      dev.cairn.agent.store.BackupStore.checkArchive(archiveId);
    }
  }

  /**
   * The store stays as it is: the data dir is a copy of an older state, for inspection or to be
   * started apart from this cluster and its store. Started as a member with this store, it would be
   * judged stale and restored to the newest state.
   */
  record Detached() implements Timeline {}

  /** A target older than the store's newest revision is refused, saying how to choose. */
  record RefuseOlder() implements Timeline {}

  static Timeline newTimeline(String archiveId) {
    return new NewTimeline(archiveId);
  }

  static Timeline detached() {
    return new Detached();
  }

  static Timeline refuseOlder() {
    return new RefuseOlder();
  }
}
