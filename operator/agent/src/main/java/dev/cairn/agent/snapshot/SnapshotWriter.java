package dev.cairn.agent.snapshot;

import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.util.Backoff;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores snapshots. Deltas ({@link #write}): the plain content file is compressed and encrypted into
 * the scratch directory (or used as it is), uploaded under its final name, then its metadata file is
 * written. Full snapshots ({@link #stage} and {@link #publish}): the content is compressed and
 * encrypted on its way to a temporary name while it is still arriving, then copied to its final name
 * once the revision is known, then the metadata file is written, then the temporary is deleted. The
 * metadata is always written after the object is complete, which is what makes a snapshot trusted.
 * Store failures are retried with backoff for as long as the caller wants.
 */
public final class SnapshotWriter {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotWriter.class);

  private final BackupStore store;
  private final Compression compression;
  private final EncryptionKey key;
  private final Path scratch;
  private final Backoff backoff;

  public SnapshotWriter(BackupStore store, Compression compression, EncryptionKey key, Path scratch, Backoff backoff) {
    this.store = store;
    this.compression = compression;
    this.key = key;
    this.scratch = scratch;
    this.backoff = backoff;
  }

  public BackupStore store() {
    return store;
  }

  public Compression compression() {
    return compression;
  }

  public Backoff backoff() {
    return backoff;
  }

  /** The name the snapshot will get with this writer's compression and encryption. */
  public SnapshotName name(SnapshotKind kind, long start, long end, java.time.Instant created) {
    return new SnapshotName(kind, start, end, created, compression, key != null);
  }

  /**
   * Transforms and stores {@code plainFile} under {@code name}, then its metadata.
   *
   * @param plainSha256 the sha256 of the plain file if already known (hex), else null
   * @param keepTrying asked after each failed store call; false abandons the upload
   * @param onStoreFailure sees every failed store call (metrics, health)
   */
  public SnapshotMetadata write(
      SnapshotName name, Path plainFile, String plainSha256, SourceInfo source, long eventCount, boolean isFinal,
      BooleanSupplier keepTrying, Consumer<Exception> onStoreFailure)
      throws IOException, Backoff.GaveUpException, InterruptedException {
    Path stored = plainFile;
    String contentSha = plainSha256;
    String storedSha;
    boolean transformed = compression != Compression.NONE || key != null;
    if (transformed) {
      stored = Files.createTempFile(scratch, "upload-", ".tmp");
      MessageDigest plainMd = DeltaFormat.sha256();
      MessageDigest storedMd = DeltaFormat.sha256();
      try (InputStream in = new DigestInputStream(Files.newInputStream(plainFile), plainMd);
          OutputStream sink = new DigestOutputStream(
              new java.io.BufferedOutputStream(Files.newOutputStream(stored), 1 << 16), storedMd);
          OutputStream out = compression.compress(key != null ? AeadStreams.encrypt(sink, key) : sink)) {
        in.transferTo(out);
      } catch (IOException e) {
        Files.deleteIfExists(stored);
        throw new IOException("cannot prepare " + name.objectName() + " in scratch directory " + scratch + ": " + e, e);
      }
      contentSha = HexFormat.of().formatHex(plainMd.digest());
      storedSha = HexFormat.of().formatHex(storedMd.digest());
    } else {
      if (contentSha == null) {
        contentSha = sha256Of(plainFile);
      }
      storedSha = contentSha;
    }
    try {
      SnapshotMetadata meta =
          new SnapshotMetadata(
              name.objectName(), name.kind(), name.startRevision(), name.endRevision(), name.created(),
              Files.size(stored), storedSha, contentSha, compression, key == null ? null : key.id(),
              source.etcdClusterId(), source.etcdMemberId(), source.member(), source.etcdVersion(), source.tokenHash(),
              eventCount, isFinal);
      Path upload = stored;
      backoff.run("upload of " + name.objectName() + " to " + store.describe(), () -> {
        store.put(name.objectName(), upload, meta.toUserMetadata());
        return null;
      }, keepTrying, onStoreFailure);
      if (!keepTrying.getAsBoolean()) {
        // Fencing: whoever asked for this upload no longer may (leadership moved). Without its
        // metadata the object is untrusted anyway; deleting it keeps the store tidy.
        try {
          store.delete(name.objectName());
        } catch (IOException ignored) {
          // garbage collection removes objects without metadata later
        }
        throw new Backoff.GaveUpException("upload of " + name.objectName() + " abandoned before its metadata", null);
      }
      byte[] json = meta.toJson();
      backoff.run("upload of " + name.metadataName() + " to " + store.describe(), () -> {
        store.put(name.metadataName(), new java.io.ByteArrayInputStream(json), json.length, java.util.Map.of());
        return null;
      }, keepTrying, onStoreFailure);
      return meta;
    } finally {
      if (transformed) {
        Files.deleteIfExists(stored);
      }
    }
  }

  /** Whether stored bytes differ from the plain content (compression or encryption). */
  public boolean transforms() {
    return compression != Compression.NONE || key != null;
  }

  /** A snapshot's content on its way to a temporary name (see {@link BackupStore#stage}). */
  public final class Staged implements AutoCloseable {

    /**
     * @param storedSha256 sha256 of the stored bytes (hex), or null when they are the plain content
     */
    public record Result(String temporaryName, long size, String storedSha256) {}

    private final BackupStore.StagedUpload upload;
    private final MessageDigest storedMd;
    private final OutputStream plain;
    private boolean finished;

    private Staged(BackupStore.StagedUpload upload) throws IOException {
      this.upload = upload;
      // The store's stream is finished by the upload, not by closing the transform chain.
      OutputStream sink = new java.io.FilterOutputStream(upload.stream()) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
          flush();
        }
      };
      if (transforms()) {
        storedMd = DeltaFormat.sha256();
        sink = new DigestOutputStream(sink, storedMd);
        this.plain = compression.compress(key != null ? AeadStreams.encrypt(sink, key) : sink);
      } else {
        storedMd = null;
        this.plain = sink;
      }
    }

    /** Write the plain content here. */
    public OutputStream plain() {
      return plain;
    }

    public String temporaryName() {
      return upload.temporaryName();
    }

    /** Ends the content and completes the temporary. */
    public Result finish() throws IOException {
      plain.close();
      long size = upload.finish();
      finished = true;
      return new Result(upload.temporaryName(), size, storedMd == null ? null : HexFormat.of().formatHex(storedMd.digest()));
    }

    @Override
    public void close() {
      if (!finished) {
        upload.abort();
      }
    }
  }

  /** Starts a staged upload; {@code owner} names its temporary (the member ID). */
  public Staged stage(String owner) throws IOException {
    return new Staged(store.stage(owner));
  }

  /** Stages a complete plain file (the retry path when the upload during the stream failed). */
  public Staged.Result stageFile(Path plainFile, String owner) throws IOException {
    try (Staged s = stage(owner); InputStream in = Files.newInputStream(plainFile)) {
      in.transferTo(s.plain());
      return s.finish();
    }
  }

  /**
   * Makes a staged snapshot visible: server-side copy (or rename) to {@code name}, then the metadata
   * file, then the temporary is deleted. When {@code keepTrying} turns false before the metadata is
   * written, the copy is deleted again and the upload abandoned (fencing a former leader).
   *
   * @param contentSha256 sha256 of the plain content (hex)
   */
  public SnapshotMetadata publish(
      SnapshotName name, Staged.Result staged, String contentSha256, SourceInfo source, long eventCount,
      boolean isFinal, BooleanSupplier keepTrying, Consumer<Exception> onStoreFailure)
      throws Backoff.GaveUpException, InterruptedException {
    SnapshotMetadata meta =
        new SnapshotMetadata(
            name.objectName(), name.kind(), name.startRevision(), name.endRevision(), name.created(),
            staged.size(), staged.storedSha256() != null ? staged.storedSha256() : contentSha256, contentSha256,
            compression, key == null ? null : key.id(), source.etcdClusterId(), source.etcdMemberId(),
            source.member(), source.etcdVersion(), source.tokenHash(), eventCount, isFinal);
    long t0 = System.nanoTime();
    try {
      backoff.run("copy of " + staged.temporaryName() + " to " + name.objectName() + " on " + store.describe(), () -> {
        store.publish(staged.temporaryName(), name.objectName(), staged.size(), meta.toUserMetadata());
        return null;
      }, keepTrying, onStoreFailure);
      long t1 = System.nanoTime();
      LOG.debug("{} copied to {} in {} ms", staged.temporaryName(), name.objectName(), (t1 - t0) / 1_000_000);
      if (!keepTrying.getAsBoolean()) {
        try {
          store.delete(name.objectName());
        } catch (IOException ignored) {
          // without metadata it is untrusted; GC removes it later
        }
        throw new Backoff.GaveUpException("upload of " + name.objectName() + " abandoned before its metadata", null);
      }
      byte[] json = meta.toJson();
      long t2 = System.nanoTime();
      backoff.run("upload of " + name.metadataName() + " to " + store.describe(), () -> {
        store.put(name.metadataName(), new java.io.ByteArrayInputStream(json), json.length, java.util.Map.of());
        return null;
      }, keepTrying, onStoreFailure);
      LOG.debug("{} written in {} ms", name.metadataName(), (System.nanoTime() - t2) / 1_000_000);
      return meta;
    } finally {
      long t3 = System.nanoTime();
      deleteTemporaryQuietly(staged.temporaryName());
      LOG.debug("{} deleted in {} ms", staged.temporaryName(), (System.nanoTime() - t3) / 1_000_000);
    }
  }

  /** Deletes a temporary; a failure only leaves it for GC. */
  public void deleteTemporaryQuietly(String temporaryName) {
    try {
      store.deleteTemporary(temporaryName);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot delete the temporary {} from {} (garbage collection removes it later): {}", temporaryName,
          store.describe(), e.getMessage());
    }
  }

  /** Reads a stored object back into plain content (decrypting and decompressing). */
  public static InputStream openPlain(BackupStore store, SnapshotName name, EncryptionKey key) throws IOException {
    InputStream in = store.get(name.objectName());
    try {
      if (name.encrypted()) {
        if (key == null) {
          throw new IOException(
              name.objectName() + " is encrypted: give the agent the encryption key it was written with");
        }
        in = AeadStreams.decrypt(in, key);
      }
      return name.compression().decompress(in);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  static String sha256Of(Path file) throws IOException {
    MessageDigest md = DeltaFormat.sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
