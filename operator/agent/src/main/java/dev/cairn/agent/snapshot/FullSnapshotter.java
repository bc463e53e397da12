package dev.cairn.agent.snapshot;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.util.Backoff;
import dev.cairn.datadir.snap.SnapshotTrailer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Takes a full snapshot: streams {@code Maintenance.snapshot} to the scratch disk while verifying its
 * sha256 trailer (constant heap), reads the revision from the snapshot's own db, refuses to upload
 * when the store already holds a newer revision, then hands the file to the {@link SnapshotWriter}.
 */
public final class FullSnapshotter {

  private final EtcdNode etcd;
  private final SnapshotWriter writer;
  private final RevisionSource revisions;
  private final Path scratch;
  private final Clock clock;
  private final Duration streamTimeout;

  public FullSnapshotter(
      EtcdNode etcd, SnapshotWriter writer, RevisionSource revisions, Path scratch, Clock clock, Duration streamTimeout) {
    this.etcd = etcd;
    this.writer = writer;
    this.revisions = revisions;
    this.scratch = scratch;
    this.clock = clock;
    this.streamTimeout = streamTimeout;
  }

  /**
   * Takes and stores one full snapshot.
   *
   * @param storedEnd the newest end revision in the store, read after the snapshot was spooled
   */
  public SnapshotMetadata take(
      SourceInfo source, boolean isFinal, Backoff.Attempt<Long> storedEnd, BooleanSupplier keepTrying,
      Consumer<Exception> onStoreFailure)
      throws IOException, Backoff.GaveUpException, InterruptedException {
    Files.createDirectories(scratch);
    Path spool = Files.createTempFile(scratch, "full-", ".db");
    try {
      java.time.Instant created = clock.instant();
      SpoolStream out = new SpoolStream(new BufferedOutputStream(Files.newOutputStream(spool), 1 << 20));
      try (out) {
        etcd.snapshot(out, streamTimeout);
      }
      if (out.failure != null) {
        throw new IOException("cannot write the snapshot to the scratch directory " + scratch + ": " + out.failure,
            out.failure);
      }
      SnapshotTrailer.Result check = out.verifier.finish();
      if (!check.valid()) {
        throw new IOException("snapshot from etcd at " + etcd.endpoint() + " failed verification: " + check.describe());
      }
      long revision = revisions.revisionOf(spool);
      long stored;
      try {
        stored = storedEnd.run();
      } catch (IOException | InterruptedException | Backoff.GaveUpException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e.getMessage(), e);
      }
      if (revision < stored) {
        throw new StaleDataException(revision, stored, "full snapshot refused");
      }
      SnapshotName name = writer.name(SnapshotKind.FULL, 0, revision, created);
      return writer.write(name, spool, HexFormat.of().formatHex(out.fileSha.digest()), source, 0, isFinal,
          keepTrying, onStoreFailure);
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  /** Writes to the spool file, feeding the trailer verifier and the whole-file hash on the way. */
  private static final class SpoolStream extends OutputStream {
    final SnapshotTrailer.Verifier verifier = new SnapshotTrailer.Verifier();
    final MessageDigest fileSha = DeltaFormat.sha256();
    final OutputStream out;
    volatile IOException failure;

    SpoolStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (failure != null) {
        return; // jetcd keeps delivering after a failed write; the snapshot is already lost
      }
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      verifier.update(b, off, len);
      fileSha.update(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
