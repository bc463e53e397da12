package dev.cairn.agent.snapshot;

import dev.cairn.datadir.bbolt.DbRevision;
import dev.cairn.datadir.bbolt.RevisionReader;
import java.io.IOException;
import java.nio.file.Path;

/** Reads the revision a snapshot file reaches from its content. Tests may substitute their own. */
@FunctionalInterface
public interface RevisionSource {

  /** The store revision of a v3 snapshot file (db + sha256 trailer). */
  long revisionOf(Path snapshotFile) throws IOException;

  /** The datadir module's bbolt reader: O(tree depth), no full scan. */
  static RevisionSource datadir() {
    return file -> {
      DbRevision r = RevisionReader.read(file);
      return r.revision();
    };
  }
}
