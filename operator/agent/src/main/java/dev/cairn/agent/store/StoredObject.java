package dev.cairn.agent.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One object in a backup store, named relative to the store's prefix.
 *
 * @param name key below the prefix (S3) or file name in the directory (Local)
 * @param size stored size in bytes
 * @param lastModified when the store last wrote it
 */
public record StoredObject(String name, long size, Instant lastModified) {
  public StoredObject {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(lastModified, "lastModified");
  }
}
