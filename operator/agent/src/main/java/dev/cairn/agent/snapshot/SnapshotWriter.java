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

/**
 * Stores one snapshot: compresses and encrypts the plain content file into the scratch directory
 * (or uses it as it is), uploads the object, then writes its metadata file. The metadata is written
 * only after the object is complete, which is what makes the snapshot trusted. Store failures are
 * retried with backoff for as long as the caller wants.
 */
public final class SnapshotWriter {

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
