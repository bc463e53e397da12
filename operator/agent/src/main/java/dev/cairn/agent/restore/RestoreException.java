package dev.cairn.agent.restore;

import java.io.IOException;

/**
 * A restore was refused or stopped. The message says what was wrong, with which object or revision,
 * and what to do; {@link #reason()} lets callers (status, exit codes, tests) tell the cases apart.
 * Nothing half-restored is left behind when one is thrown.
 */
public class RestoreException extends IOException {

  /** Why a restore did not happen. */
  public enum Reason {
    /** The store has no full snapshot to start from. */
    NO_SNAPSHOT,
    /** The named snapshot is not in the store (or has no metadata). */
    UNKNOWN_SNAPSHOT,
    /** The asked revision is outside what the chain reaches. */
    UNREACHABLE_REVISION,
    /** Revisions are missing between two deltas. */
    GAP,
    /** An object failed verification: sha256, size, authentication, checksum, revision. */
    CORRUPT_OBJECT,
    /** The object was encrypted with another key, or is encrypted and no key was given. */
    WRONG_KEY,
    /** The snapshot's token hash does not match the current backup token. */
    TOKEN_MISMATCH,
    /** The data dir still holds member data and replacing it was not allowed. */
    DATA_DIR_NOT_EMPTY,
    /** Replaying the deltas did not reproduce the source's revisions. */
    REVISION_MISMATCH,
    /** etcdutl/etcdctl or the temporary etcd failed. */
    TOOL,
    /** The store could not be read. */
    STORE,
    /**
     * The target is older than the newest stored revision and the caller did not say whether the
     * restore starts a new timeline or makes a detached copy (ADR 0008).
     */
    OLDER_THAN_STORE,
    /** Interrupted or cancelled. */
    INTERRUPTED
  }

  private final Reason reason;

  public RestoreException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public RestoreException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
