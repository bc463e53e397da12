package dev.cairn.agent.restore;

import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.TokenHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks, before a restore downloads anything, that every snapshot of the chain was taken by a cluster
 * holding the current backup token: each snapshot records a salted hash of it. This stops a restore
 * from a store prefix that belongs to another cluster (or a copy-paste of the wrong prefix). The
 * hash is slow by design, so each distinct hash (one per agent start) is checked once.
 */
public final class TokenPreflight {

  private final String token;
  private final boolean allowMismatch;
  private final Map<String, Boolean> checked = new HashMap<>();

  /**
   * @param token the current backup token, or null when none is configured
   * @param allowMismatch the caller accepts snapshots whatever their token hash says
   */
  public TokenPreflight(String token, boolean allowMismatch) {
    this.token = token;
    this.allowMismatch = allowMismatch;
  }

  /** Reads the token Secret's file; null file means no token. */
  public static TokenPreflight fromFile(Path tokenFile, boolean allowMismatch) throws IOException {
    if (tokenFile == null) {
      return new TokenPreflight(null, allowMismatch);
    }
    String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    if (t.isEmpty()) {
      throw new IOException("backup token file " + tokenFile + " is empty");
    }
    return new TokenPreflight(t, allowMismatch);
  }

  public boolean allowsMismatch() {
    return allowMismatch;
  }

  public void check(SnapshotCatalog.Entry e, SnapshotMetadata m) throws RestoreException {
    if (allowMismatch) {
      return;
    }
    String hash = m.tokenHash();
    String name = e.object().name();
    if (token == null && hash == null) {
      return;
    }
    if (token == null) {
      throw new RestoreException(RestoreException.Reason.TOKEN_MISMATCH,
          "token preflight refused snapshot " + name + ": it was taken by a cluster with a backup token (its hash is"
              + " recorded) but this restore has no token; give the token Secret's file (--token-file) of the cluster"
              + " it belongs to, or allow the mismatch (--allow-token-mismatch) if you know it is the right store");
    }
    if (hash == null) {
      throw new RestoreException(RestoreException.Reason.TOKEN_MISMATCH,
          "token preflight refused snapshot " + name + ": it records no token hash (it was taken without a backup"
              + " token), so nothing shows it belongs to this cluster; allow the mismatch (--allow-token-mismatch)"
              + " if you know it is the right store");
    }
    boolean ok = checked.computeIfAbsent(hash, h -> TokenHash.matches(token, h));
    if (!ok) {
      throw new RestoreException(RestoreException.Reason.TOKEN_MISMATCH,
          "token preflight refused snapshot " + name + ": its token hash does not match the current backup token"
              + " Secret, so it was taken by another cluster or before the token was changed; check the store URL"
              + " and prefix, or allow the mismatch (--allow-token-mismatch) if the token was rotated on purpose");
    }
  }
}
