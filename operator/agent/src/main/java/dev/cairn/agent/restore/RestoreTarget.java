package dev.cairn.agent.restore;

/**
 * What a restore reaches: the newest state the store holds, the state of one named snapshot, or the
 * state at one revision (point in time).
 */
public sealed interface RestoreTarget {

  /** The newest full snapshot and every delta after it. */
  record Latest() implements RestoreTarget {
    @Override
    public String describe() {
      return "the newest state in the store";
    }
  }

  /**
   * One snapshot by name: a full snapshot alone, or a delta (its end revision, replayed on the newest
   * full snapshot below it). The object name, its base name or its metadata file name are accepted.
   */
  record Snapshot(String name) implements RestoreTarget {
    public Snapshot {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a snapshot target needs a snapshot name");
      }
    }

    @Override
    public String describe() {
      return "snapshot " + name;
    }
  }

  /** The keyspace as it was at one revision: the newest full at or below it, then deltas up to it. */
  record Revision(long revision) implements RestoreTarget {
    public Revision {
      if (revision < 1) {
        throw new IllegalArgumentException("a revision target must be at least 1, got " + revision);
      }
    }

    @Override
    public String describe() {
      return "revision " + revision;
    }
  }

  String describe();

  static RestoreTarget latest() {
    return new Latest();
  }

  /** From the command line or the API: at most one of snapshot and revision; neither means latest. */
  static RestoreTarget of(String snapshot, Long revision) {
    if (snapshot != null && !snapshot.isBlank() && revision != null) {
      throw new IllegalArgumentException("give a snapshot name or a revision, not both");
    }
    if (snapshot != null && !snapshot.isBlank()) {
      return new Snapshot(snapshot.strip());
    }
    if (revision != null) {
      return new Revision(revision);
    }
    return new Latest();
  }
}
