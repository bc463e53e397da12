package dev.cairn.agent.snapshot;

import java.io.IOException;

/**
 * The member's data is older than what the store already holds: uploading it would put a stale
 * snapshot at the head of the chain (seed 000), so nothing is uploaded.
 */
public class StaleDataException extends IOException {
  private final long memberRevision;
  private final long storeRevision;

  public StaleDataException(long memberRevision, long storeRevision, String what) {
    super(what + ": member revision " + memberRevision + " is below the newest stored revision " + storeRevision
        + "; this member's data is stale, so it does not upload. Restore or re-sync the member.");
    this.memberRevision = memberRevision;
    this.storeRevision = storeRevision;
  }

  public long memberRevision() {
    return memberRevision;
  }

  public long storeRevision() {
    return storeRevision;
  }
}
