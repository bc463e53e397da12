package dev.cairn.agent.snapshot;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.agent.store.Temporaries;
import dev.cairn.agent.util.Backoff;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a full snapshot with one pass over etcd's stream. {@code Maintenance.snapshot} is written to
 * the scratch spool while its sha256 trailer is checked ({@link SpoolTee}); the revision is read from
 * the spooled db once the stream has ended and verified (never from a Get made before), and a
 * revision below the store's newest is refused (stale member). The upload then takes one of two
 * ways:
 *
 * <ul>
 *   <li>after the stream, straight to the final name (the file as it is, then the metadata file):
 *       when the stored bytes are the spool's own and publishing a temporary would rewrite it on the
 *       server (S3), see {@link #uploadAfterStream()};
 *   <li>beside the stream, compressing and encrypting on the way, to a temporary name in the store
 *       that readers never list; once the revision is known the temporary is copied server-side
 *       (renamed, in a directory) to its final name, the metadata file is written after it, and the
 *       temporary is deleted.
 * </ul>
 *
 * A crash at any step leaves no trusted snapshot: at most an object without metadata (GC removes it
 * after its grace period) or a temporary, which this member's next full snapshot removes (only one
 * runs per member at a time) and GC removes after its grace period. If the upload during the stream
 * fails, it is retried from the complete spool with backoff.
 */
public final class FullSnapshotter {

  private static final Logger LOG = LoggerFactory.getLogger(FullSnapshotter.class);

  private final EtcdNode etcd;
  private final SnapshotWriter writer;
  private final RevisionSource revisions;
  private final Path scratch;
  private final Clock clock;
  private final Duration streamTimeout;
  private final Backoff backoff;

  /** Retries store failures with the writer's backoff. */
  public FullSnapshotter(
      EtcdNode etcd, SnapshotWriter writer, RevisionSource revisions, Path scratch, Clock clock, Duration streamTimeout) {
    this.etcd = etcd;
    this.writer = writer;
    this.revisions = revisions;
    this.scratch = scratch;
    this.clock = clock;
    this.streamTimeout = streamTimeout;
    this.backoff = writer.backoff();
  }

  /**
   * Takes and stores one full snapshot.
   *
   * @param storedEnd the newest end revision in the store, read after the stream ended
   * @param keepTrying asked after each failed store call; false abandons the snapshot
   * @param onStoreFailure sees every failed store call (metrics, health)
   */
  public SnapshotMetadata take(
      SourceInfo source, boolean isFinal, Backoff.Attempt<Long> storedEnd, BooleanSupplier keepTrying,
      Consumer<Exception> onStoreFailure)
      throws IOException, Backoff.GaveUpException, InterruptedException {
    String owner = owner(source);
    removeLeftovers(owner);
    Files.createDirectories(scratch);
    Path spool = Files.createTempFile(scratch, "full-", ".db");
    long t0 = System.nanoTime();
    Instant created = clock.instant();
    if (uploadAfterStream()) {
      try {
        return spoolThenUpload(spool, t0, created, source, isFinal, storedEnd, keepTrying, onStoreFailure);
      } finally {
        Files.deleteIfExists(spool);
      }
    }
    CompletableFuture<SnapshotWriter.Staged.Result> upload = new CompletableFuture<>();
    // Set once publish() owns the temporary (it deletes it); until then the cleanup below does.
    AtomicBoolean handedOver = new AtomicBoolean();
    SpoolTee tee = new SpoolTee(spool);
    Thread uploader = new Thread(() -> uploadFromSpool(tee, owner, upload), "agent-full-upload");
    uploader.setDaemon(true);
    try {
      uploader.start();
      SnapshotDigest.Result digest;
      try (tee) {
        etcd.snapshot(tee, streamTimeout);
        tee.end();
        digest = tee.digest();
      } catch (IOException | RuntimeException e) {
        IOException w = tee.writeFailure();
        tee.fail(e);
        if (w != null) {
          throw new IOException("cannot write the snapshot to the scratch directory " + scratch + ": " + w, w);
        }
        throw e;
      }
      long streamed = System.nanoTime();
      if (!digest.trailer().valid()) {
        tee.fail(new IOException("verification failed"));
      }
      long revision = verifiedRevision(digest, spool, storedEnd);
      SnapshotWriter.Staged.Result staged = awaitUpload(upload, spool, owner, keepTrying, onStoreFailure);
      handedOver.set(true);
      long uploaded = System.nanoTime();
      SnapshotName name = writer.name(SnapshotKind.FULL, 0, revision, created);
      SnapshotMetadata meta =
          writer.publish(name, staged, digest.fileSha256(), source, 0, isFinal, keepTrying, onStoreFailure);
      long published = System.nanoTime();
      LOG.info("full snapshot {}: {} bytes streamed in {} ms, upload done {} ms after the stream, published"
              + " (copy, metadata, cleanup) in {} ms", name.objectName(), tee.bytesWritten(), ms(streamed - t0),
          ms(uploaded - streamed), ms(published - uploaded));
      return meta;
    } finally {
      // Whatever went wrong above, the upload must not go on: it stops, and its temporary goes.
      tee.fail(new IOException("full snapshot ended"));
      try {
        uploader.join(Duration.ofMinutes(1).toMillis());
      } catch (InterruptedException e) {
        uploader.interrupt();
        Thread.currentThread().interrupt();
      }
      upload.thenAccept(r -> {
        if (!handedOver.get()) {
          writer.deleteTemporaryQuietly(r.temporaryName());
        }
      });
      Files.deleteIfExists(spool);
    }
  }

  /**
   * Whether to upload once the stream has ended, straight to the final name, rather than beside the
   * stream to a temporary that is then published. Chosen when publishing would rewrite the object on
   * the server (S3: a copy) and the stored bytes are the spool's own (no compression, no encryption,
   * so nothing needs a second file): on the project's benchmark the upload beside the stream saved
   * no time, since the stream, the upload and the copy share the same CPUs, while the copy and the
   * multipart concatenation cost S3Proxy two more full rewrites (docs/backups.md, "Benchmark").
   * {@code -Dcairn.full.upload=overlap} forces the overlapped pipeline, for comparisons only.
   */
  private boolean uploadAfterStream() {
    if ("overlap".equals(System.getProperty("cairn.full.upload"))) {
      return false;
    }
    return !writer.transforms() && writer.store().publishRewrites();
  }

  /**
   * The stream goes to the spool only (sha256 trailer checked on the way); once it ended and
   * verified, the revision is read from the spooled db and the file is uploaded under its final
   * name, then its metadata is written ({@link SnapshotWriter#write}). Visible only when complete:
   * one PUT (or a multipart upload) is atomic, and readers trust the object only with its metadata.
   */
  private SnapshotMetadata spoolThenUpload(
      Path spool, long t0, Instant created, SourceInfo source, boolean isFinal, Backoff.Attempt<Long> storedEnd,
      BooleanSupplier keepTrying, Consumer<Exception> onStoreFailure)
      throws IOException, Backoff.GaveUpException, InterruptedException {
    SnapshotDigest.Result digest;
    long bytes;
    SpoolTee tee = new SpoolTee(spool);
    try (tee) {
      etcd.snapshot(tee, streamTimeout);
      tee.end();
      digest = tee.digest();
      bytes = tee.bytesWritten();
    } catch (IOException | RuntimeException e) {
      IOException w = tee.writeFailure();
      if (w != null) {
        throw new IOException("cannot write the snapshot to the scratch directory " + scratch + ": " + w, w);
      }
      throw e;
    }
    long streamed = System.nanoTime();
    long revision = verifiedRevision(digest, spool, storedEnd);
    SnapshotName name = writer.name(SnapshotKind.FULL, 0, revision, created);
    long checked = System.nanoTime();
    SnapshotMetadata meta =
        writer.write(name, spool, digest.fileSha256(), source, 0, isFinal, keepTrying, onStoreFailure);
    long uploaded = System.nanoTime();
    LOG.info("full snapshot {}: {} bytes streamed in {} ms, revision and store checked in {} ms, uploaded to its"
            + " final name with its metadata in {} ms (after the stream, no copy)", name.objectName(), bytes,
        ms(streamed - t0), ms(checked - streamed), ms(uploaded - checked));
    return meta;
  }

  /** The upload thread: follows the spool into a staged upload until the stream ends. */
  private void uploadFromSpool(SpoolTee tee, String owner, CompletableFuture<SnapshotWriter.Staged.Result> result) {
    try (SnapshotWriter.Staged staged = writer.stage(owner); InputStream in = tee.tail()) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) >= 0) {
        staged.plain().write(buf, 0, n);
      }
      result.complete(staged.finish());
    } catch (Throwable e) {
      result.completeExceptionally(e);
    }
  }

  /**
   * The staged upload's result once it finished; when it failed while the stream ran (store down),
   * the complete spool is uploaded again with backoff.
   */
  private SnapshotWriter.Staged.Result awaitUpload(
      CompletableFuture<SnapshotWriter.Staged.Result> upload, Path spool, String owner, BooleanSupplier keepTrying,
      Consumer<Exception> onStoreFailure) throws Backoff.GaveUpException, InterruptedException {
    try {
      return upload.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error err) {
        throw err; // out of memory and the like: a retry would only fail the same way
      }
      Exception cause = e.getCause() instanceof Exception c ? c : new IOException(e.getCause());
      onStoreFailure.accept(cause);
      LOG.warn("upload of the full snapshot during the stream failed, retrying from the spool: {}", cause.getMessage());
    }
    return backoff.run("upload of a full snapshot to " + writer.store().describe(),
        () -> writer.stageFile(spool, owner), keepTrying, onStoreFailure);
  }

  /**
   * Removes temporaries this member left behind: only one full snapshot runs per member at a time, so
   * any of them belongs to a run that crashed. Failures only leave them for GC.
   */
  private void removeLeftovers(String owner) {
    BackupStore store = writer.store();
    try {
      for (StoredObject t : store.listTemporary()) {
        if (Temporaries.ownedBy(t.name(), owner)) {
          LOG.info("removing {} from {}: left by an earlier full snapshot of this member that did not finish",
              t.name(), store.describe());
          writer.deleteTemporaryQuietly(t.name());
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot list temporaries in {} (garbage collection removes them later): {}", store.describe(),
          e.getMessage());
    }
  }

  private static String owner(SourceInfo source) {
    String id = source.etcdMemberId();
    return id == null || !id.matches("[0-9a-zA-Z]{1,64}") ? "member" : id;
  }

  /**
   * After the stream: the trailer's check, the revision read from the spooled content, and the refusal
   * of a member below what the store already holds (seed 000). Both upload paths end their stream here.
   */
  private long verifiedRevision(SnapshotDigest.Result digest, Path spool, Backoff.Attempt<Long> storedEnd)
      throws IOException, InterruptedException, Backoff.GaveUpException {
    if (!digest.trailer().valid()) {
      throw new IOException(
          "snapshot from etcd at " + etcd.endpoint() + " failed verification: " + digest.trailer().describe());
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
    return revision;
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
