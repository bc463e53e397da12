package dev.cairn.agent.restore;

import dev.cairn.agent.snapshot.AeadStreams;
import dev.cairn.agent.snapshot.DeltaFormat;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.datadir.bbolt.RevisionReader;
import dev.cairn.datadir.snap.SnapshotTrailer;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads snapshot objects from the store and proves them before anything uses them: the metadata
 * agrees with the name, the key is the one the object was encrypted with, the stored bytes have the
 * recorded size and sha256, decryption authenticates every chunk, the plain content has the recorded
 * sha256, a full snapshot's sha256 trailer matches and its db is at the recorded revision, a delta's
 * checksum, header and event count match. Each object is written, verified, to a scratch file.
 */
public final class ObjectFetcher {

  private final BackupStore store;
  private final EncryptionKey key;
  private final Path scratch;

  public ObjectFetcher(BackupStore store, EncryptionKey key, Path scratch) {
    this.store = store;
    this.key = key;
    this.scratch = scratch;
  }

  /** Reads an entry's metadata file and checks it against the object's name. */
  public SnapshotMetadata metadata(SnapshotCatalog.Entry e) throws RestoreException {
    SnapshotMetadata m;
    try (InputStream in = store.get(e.metadata().name())) {
      m = SnapshotMetadata.fromJson(in.readAllBytes());
    } catch (IOException ex) {
      throw new RestoreException(RestoreException.Reason.STORE,
          "cannot read metadata " + e.metadata().name() + " from " + store.describe() + ": " + ex.getMessage(), ex);
    }
    SnapshotName n = e.name();
    if (!m.object().equals(e.object().name()) || m.kind() != n.kind() || m.startRevision() != n.startRevision()
        || m.endRevision() != n.endRevision() || m.compression() != n.compression() || m.encrypted() != n.encrypted()) {
      throw corrupt(e, "its metadata " + e.metadata().name() + " disagrees with the object name (metadata says "
          + m.object() + ", " + m.kind().token() + " " + m.startRevision() + ".." + m.endRevision() + ")");
    }
    return m;
  }

  /** Refuses an encrypted object without the key it was written with, before anything is downloaded. */
  public void checkKey(SnapshotCatalog.Entry e, SnapshotMetadata m) throws RestoreException {
    if (!m.encrypted()) {
      return;
    }
    if (key == null) {
      throw new RestoreException(RestoreException.Reason.WRONG_KEY,
          e.object().name() + " is encrypted with key " + m.encryptionKeyId()
              + ": give the encryption key file it was written with (--encryption-key-file)");
    }
    if (!key.id().equals(m.encryptionKeyId())) {
      throw new RestoreException(RestoreException.Reason.WRONG_KEY,
          "wrong encryption key for " + e.object().name() + ": it was encrypted with key " + m.encryptionKeyId()
              + " but the given key is " + key.id() + "; give the key file it was written with");
    }
  }

  /** Downloads, decrypts, decompresses and verifies one object into a scratch file; the caller deletes it. */
  public Path fetch(SnapshotCatalog.Entry e, SnapshotMetadata m) throws RestoreException, InterruptedException {
    checkKey(e, m);
    Path file;
    try {
      Files.createDirectories(scratch);
      file = Files.createTempFile(scratch, "restore-" + e.kind().token() + "-", ".part");
    } catch (IOException ex) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "cannot create a file in the scratch directory " + scratch + ": " + ex.getMessage(), ex);
    }
    boolean ok = false;
    try {
      download(e, m, file);
      if (e.kind() == SnapshotKind.FULL) {
        long rev;
        try {
          rev = RevisionReader.read(file).revision();
        } catch (IOException ex) {
          throw corrupt(e, "its db cannot be read: " + ex.getMessage());
        }
        if (rev != m.endRevision()) {
          throw corrupt(e, "its db is at revision " + rev + " but its metadata says " + m.endRevision());
        }
      } else {
        DeltaFormat.Header h;
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
          h = DeltaFormat.read(in, ev -> {});
        } catch (IOException ex) {
          throw corrupt(e, ex.getMessage());
        }
        if (h.startRevision() != m.startRevision() || h.endRevision() != m.endRevision()
            || h.eventCount() != m.eventCount()) {
          throw corrupt(e, "its header says revisions " + h.startRevision() + ".." + h.endRevision() + " with "
              + h.eventCount() + " events, its metadata " + m.startRevision() + ".." + m.endRevision() + " with "
              + m.eventCount());
        }
      }
      ok = true;
      return file;
    } finally {
      if (!ok) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // scratch is cleared by the next restore
        }
      }
    }
  }

  private void download(SnapshotCatalog.Entry e, SnapshotMetadata m, Path file)
      throws RestoreException, InterruptedException {
    MessageDigest storedMd = sha256();
    MessageDigest plainMd = sha256();
    SnapshotTrailer.Verifier trailer = e.kind() == SnapshotKind.FULL ? new SnapshotTrailer.Verifier() : null;
    long[] storedBytes = {0};
    InputStream raw;
    try {
      raw = store.get(e.object().name());
    } catch (IOException ex) {
      throw new RestoreException(RestoreException.Reason.STORE,
          "cannot read " + e.object().name() + " from " + store.describe() + ": " + ex.getMessage(), ex);
    }
    try (CountingDigestStream counted = new CountingDigestStream(raw, storedMd, storedBytes);
        TrailerFeed out = new TrailerFeed(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20), trailer)) {
      try {
        InputStream in = counted;
        if (e.name().encrypted()) {
          in = AeadStreams.decrypt(in, key);
        }
        in = new DigestInputStream(e.name().compression().decompress(in), plainMd);
        in.transferTo(out);
        counted.transferTo(OutputStream.nullOutputStream()); // whatever follows the content counts too
      } catch (IOException ex) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("restore interrupted while reading " + e.object().name());
        }
        if (out.failure != null) {
          throw new RestoreException(RestoreException.Reason.TOOL,
              "cannot write " + e.object().name() + " to the scratch directory " + scratch + ": " + ex.getMessage(), ex);
        }
        if (counted.failure != null) {
          throw new RestoreException(RestoreException.Reason.STORE,
              "reading " + e.object().name() + " from " + store.describe() + " failed after " + storedBytes[0]
                  + " bytes: " + ex.getMessage() + "; retry when the store answers", ex);
        }
        // Read the rest, so the message can say whether the stored bytes changed since they were written.
        try {
          counted.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
          // the decoding failure is reported either way
        }
        String sha = HexFormat.of().formatHex(storedMd.digest());
        if (m.sha256() != null && !m.sha256().equalsIgnoreCase(sha)) {
          throw corrupt(e, "sha256 of its stored bytes is " + sha + " but its metadata says " + m.sha256()
              + " (the object changed after it was written; decoding it failed: " + ex.getMessage() + ")");
        }
        throw corrupt(e, "decoding it failed after " + storedBytes[0] + " stored bytes: " + ex.getMessage());
      }
    } catch (RestoreException ex) {
      throw ex;
    } catch (IOException ex) {
      throw new RestoreException(RestoreException.Reason.STORE,
          "cannot read " + e.object().name() + " from " + store.describe() + ": " + ex.getMessage(), ex);
    }
    String storedSha = HexFormat.of().formatHex(storedMd.digest());
    if (m.size() != storedBytes[0]) {
      throw corrupt(e, "it is " + storedBytes[0] + " bytes but its metadata says " + m.size());
    }
    if (m.sha256() != null && !m.sha256().equalsIgnoreCase(storedSha)) {
      throw corrupt(e, "sha256 of its stored bytes is " + storedSha + " but its metadata says " + m.sha256());
    }
    String plainSha = HexFormat.of().formatHex(plainMd.digest());
    if (m.contentSha256() != null && !m.contentSha256().equalsIgnoreCase(plainSha)) {
      throw corrupt(e, "sha256 of its content is " + plainSha + " but its metadata says " + m.contentSha256());
    }
    if (trailer != null) {
      SnapshotTrailer.Result r = trailer.finish();
      if (!r.valid()) {
        throw corrupt(e, r.describe());
      }
    }
  }

  static RestoreException corrupt(SnapshotCatalog.Entry e, String why) {
    return new RestoreException(RestoreException.Reason.CORRUPT_OBJECT,
        "snapshot object " + e.object().name() + " failed verification: " + why
            + ". It cannot be used; restore from another chain or to a revision before it (--revision "
            + Math.max(1, e.startRevision() - 1) + "), and keep the object for inspection");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Hashes and counts the stored bytes as they are read. */
  private static final class CountingDigestStream extends java.io.FilterInputStream {
    private final MessageDigest md;
    private final long[] count;
    IOException failure;

    CountingDigestStream(InputStream in, MessageDigest md, long[] count) {
      super(in);
      this.md = md;
      this.count = count;
    }

    @Override
    public int read() throws IOException {
      int b;
      try {
        b = in.read();
      } catch (IOException ex) {
        failure = ex;
        throw ex;
      }
      if (b >= 0) {
        md.update((byte) b);
        count[0]++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException ex) {
        failure = ex;
        throw ex;
      }
      if (n > 0) {
        md.update(b, off, n);
        count[0] += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // Skipped bytes would escape the hash: read them instead.
      byte[] buf = new byte[(int) Math.min(n, 8192)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }
  }

  /** Feeds the full snapshot's trailer verifier with the plain bytes on their way to disk. */
  private static final class TrailerFeed extends FilterOutputStream {
    private final SnapshotTrailer.Verifier v;
    IOException failure;

    TrailerFeed(OutputStream out, SnapshotTrailer.Verifier v) {
      super(out);
      this.v = v;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException ex) {
        failure = ex;
        throw ex;
      }
      if (v != null) {
        v.update(b, off, len);
      }
    }
  }
}
