package dev.cairn.datadir.validation;

import java.util.List;

/**
 * What the validation decided, for the restore flow to act on. Exit codes of {@code cairn validate}:
 * {@link Valid} 0, {@link Empty} 3, the others 1.
 */
public sealed interface ValidationOutcome {

  /** etcd may start on the data as it is. */
  record Valid() implements ValidationOutcome {}

  /** No member data at all: a fresh member (bootstrap, or restore from the store). */
  record Empty() implements ValidationOutcome {}

  /** etcd must not start on this data: restore it. Each reason names the file and the problem. */
  record Corrupt(List<String> reasons) implements ValidationOutcome {
    public Corrupt {
      reasons = List.copyOf(reasons);
    }
  }

  /**
   * The data is older than the newest snapshot in the store, even counting every write the WAL could
   * still replay into the db: starting it would serve (and snapshot) old data.
   *
   * @param dbRevision the db's own revision
   * @param storeRevision the end revision of the newest snapshot in the store
   */
  record Stale(long dbRevision, long storeRevision) implements ValidationOutcome {}

  /** The volume belongs to another member or cluster: refuse it, never restore over it. */
  record WrongVolume(List<String> reasons) implements ValidationOutcome {
    public WrongVolume {
      reasons = List.copyOf(reasons);
    }
  }

  /** The {@code cairn validate} exit code for this outcome. */
  default int exitCode() {
    if (this instanceof Valid) {
      return 0;
    }
    if (this instanceof Empty) {
      return 3;
    }
    return 1;
  }

  /** Short name: Valid, Empty, Corrupt, Stale, WrongVolume. */
  default String kind() {
    return getClass().getSimpleName();
  }
}
