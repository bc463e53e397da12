package dev.cairn.datadir;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file of the data directory is not what etcd would have written: a bad checksum, a page id out
 * of range, a record cut short. The message names the file and the place; the data is not to be
 * trusted and should be restored from a snapshot.
 */
public class CorruptFileException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public CorruptFileException(Path file, String message) {
    super(file + ": " + message);
    this.file = file;
  }

  /** The file found corrupt. */
  public Path file() {
    return file;
  }
}
