package dev.cairn.agent.store;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Names of temporaries (staged uploads): {@code <owner>-<UTC time>-<random>} behind a store-specific
 * prefix that listings skip ({@code .tmp/} in S3, {@code .tmp-} in a directory). The owner comes
 * first so that an owner's next run can find what a crashed run left behind.
 */
public final class Temporaries {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private Temporaries() {}

  /** A fresh temporary base name (without the store's prefix). */
  static String newBaseName(String owner, Instant now) {
    BackupStore.checkOwner(owner);
    return owner + "-" + TIME.format(now) + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
  }

  /** Whether a temporary's name (with its store prefix) was made for {@code owner}. */
  public static boolean ownedBy(String temporaryName, String owner) {
    String base = temporaryName;
    if (base.startsWith(S3Store.TEMP_DIR)) {
      base = base.substring(S3Store.TEMP_DIR.length());
    } else if (base.startsWith(LocalStore.TEMP_PREFIX)) {
      base = base.substring(LocalStore.TEMP_PREFIX.length());
    }
    return base.startsWith(owner + "-");
  }
}
