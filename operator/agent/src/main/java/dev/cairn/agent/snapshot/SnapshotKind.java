package dev.cairn.agent.snapshot;

/** Full: the whole keyspace at one revision. Delta: the watch events of a revision range. */
public enum SnapshotKind {
  FULL("full", "Full", "db"),
  DELTA("delta", "Delta", "delta");

  private final String token;
  private final String apiName;
  private final String extension;

  SnapshotKind(String token, String apiName, String extension) {
    this.token = token;
    this.apiName = apiName;
    this.extension = extension;
  }

  /** The word in object names and metric tags. */
  public String token() {
    return token;
  }

  /** The spelling of the API (EtcdSnapshot kind) and the metadata file. */
  public String apiName() {
    return apiName;
  }

  /** The object name extension before any compression or encryption suffix. */
  public String extension() {
    return extension;
  }

  public static SnapshotKind fromToken(String s) {
    for (SnapshotKind k : values()) {
      if (k.token.equalsIgnoreCase(s) || k.apiName.equalsIgnoreCase(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown snapshot kind '" + s + "': use full or delta");
  }
}
