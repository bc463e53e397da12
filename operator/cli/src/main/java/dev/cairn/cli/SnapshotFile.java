package dev.cairn.cli;

import dev.cairn.agent.snapshot.AeadStreams;
import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.EncryptionKey;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A snapshot file given to {@code cairn validate --snapshot}, as it may come from the store: a plain
 * v3 snapshot, or a stored object that is compressed (gzip, zstd) and/or encrypted (cairn's
 * AES-256-GCM format). Recognised by its first bytes, since a downloaded file may have lost its
 * suffix; the plain content is written to a scratch file that is deleted on close.
 */
final class SnapshotFile {

  private static final byte[] GZIP = {(byte) 0x1f, (byte) 0x8b};
  private static final byte[] ZSTD = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};

  private SnapshotFile() {}

  /** The file cannot be turned into a v3 snapshot file: the message says why and what to do. */
  static final class NotReadable extends Exception {
    NotReadable(String message) {
      super(message);
    }
  }

  /** The plain snapshot file; closing deletes it when it is a scratch copy. */
  record Opened(Path plain, boolean scratch) implements AutoCloseable {
    @Override
    public void close() {
      if (scratch) {
        try {
          Files.deleteIfExists(plain);
        } catch (IOException ignored) {
          // a temporary file in the scratch dir; nothing else refers to it
        }
      }
    }
  }

  static Opened open(Path file, Path keyFile, Path scratchDir, PrintWriter err) throws NotReadable, IOException {
    byte[] head = head(file, AeadStreams.MAGIC.length);
    boolean encrypted = startsWith(head, AeadStreams.MAGIC);
    if (encrypted && keyFile == null) {
      throw new NotReadable(file + " is an encrypted cairn snapshot object (AES-256-GCM), not a v3 snapshot file;"
          + " nothing about its content was checked. Give the key it was written with (--encryption-key-file FILE)"
          + " to decrypt and validate it, or check it in the store, where its metadata names its key: cairn store"
          + " verify <object name> --store URL --encryption-key-file FILE");
    }
    EncryptionKey key = null;
    if (encrypted) {
      try {
        key = EncryptionKey.fromFile(keyFile);
      } catch (IOException | IllegalArgumentException e) {
        throw new NotReadable("--encryption-key-file " + keyFile + ": " + e.getMessage());
      }
    } else if (keyFile != null) {
      err.println("cairn validate: " + file + " is not encrypted; --encryption-key-file is not used");
    }
    Compression compression = Compression.NONE;
    if (encrypted) {
      try (InputStream in = AeadStreams.decrypt(new BufferedInputStream(Files.newInputStream(file)), key)) {
        compression = compression(in.readNBytes(ZSTD.length));
      } catch (IOException e) {
        throw new NotReadable("cannot decrypt " + file + " with key " + key.id() + ": " + e.getMessage()
            + ". Either this is not the key it was written with or the file is damaged; the snapshot's metadata"
            + " names its key (cairn store inspect <object name>), and cairn store verify checks the stored object");
      }
    } else {
      compression = compression(head);
    }
    if (!encrypted && compression == Compression.NONE) {
      return new Opened(file, false);
    }
    Files.createDirectories(scratchDir);
    Path plain = Files.createTempFile(scratchDir, "cairn-validate-", ".db");
    boolean ok = false;
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        OutputStream out = Files.newOutputStream(plain)) {
      InputStream in = encrypted ? AeadStreams.decrypt(raw, key) : raw;
      compression.decompress(in).transferTo(out);
      ok = true;
    } catch (IOException e) {
      throw new NotReadable("cannot " + (encrypted ? "decrypt" : "decompress") + " " + file + " ("
          + (encrypted ? "key " + key.id() + ", " : "") + compression.apiName() + "): " + e.getMessage()
          + "; the file is damaged or incomplete");
    } finally {
      if (!ok) {
        Files.deleteIfExists(plain);
      }
    }
    err.println("cairn validate: " + file + " is " + (encrypted ? "encrypted (key " + key.id() + ")" : "")
        + (encrypted && compression != Compression.NONE ? " and " : "")
        + (compression != Compression.NONE ? compression.apiName().toLowerCase() + "-compressed" : "")
        + "; validating its plain content (" + Files.size(plain) + " bytes)");
    err.flush();
    return new Opened(plain, true);
  }

  private static Compression compression(byte[] head) {
    if (startsWith(head, GZIP)) {
      return Compression.GZIP;
    }
    if (startsWith(head, ZSTD)) {
      return Compression.ZSTD;
    }
    return Compression.NONE;
  }

  private static byte[] head(Path file, int n) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(n);
    }
  }

  private static boolean startsWith(byte[] b, byte[] prefix) {
    return b.length >= prefix.length && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
  }
}
