package dev.cairn.agent.snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 key for client-side snapshot encryption, read from a mounted Secret file. Its id (a
 * truncated hash, which reveals nothing usable about the key) is recorded with each snapshot so a
 * restore can tell which key it needs. {@link #toString} never shows the key.
 */
public final class EncryptionKey {

  private final SecretKey key;
  private final String id;

  private EncryptionKey(byte[] raw) {
    this.key = new SecretKeySpec(raw, "AES");
    this.id = idOf(raw);
    Arrays.fill(raw, (byte) 0);
  }

  /** A key from exactly 32 raw bytes. */
  public static EncryptionKey of(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException("an AES-256 key is 32 bytes, got " + raw.length);
    }
    return new EncryptionKey(raw.clone());
  }

  /**
   * Reads a key file: 32 raw bytes (the Secret's "key"), or the same 32 bytes written as 64 hex digits
   * or base64, with an optional trailing newline.
   */
  public static EncryptionKey fromFile(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    if (b.length == 32) {
      return new EncryptionKey(b);
    }
    String s = new String(b, StandardCharsets.US_ASCII).strip();
    try {
      if (s.length() == 64) {
        return new EncryptionKey(HexFormat.of().parseHex(s));
      }
      byte[] d = Base64.getDecoder().decode(s);
      if (d.length == 32) {
        return new EncryptionKey(d);
      }
    } catch (IllegalArgumentException ignored) {
      // fall through to the error below
    }
    throw new IOException(
        "encryption key file " + file + " does not hold a 32-byte AES-256 key (" + b.length + " bytes; expected 32"
            + " raw bytes, 64 hex digits or base64 of 32 bytes). Generate one with: head -c 32 /dev/urandom");
  }

  SecretKey secretKey() {
    return key;
  }

  /** {@code sha256:<16 hex digits>} of a domain-separated hash of the key. */
  public String id() {
    return id;
  }

  private static String idOf(byte[] raw) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update("cairn-encryption-key-id:".getBytes(StandardCharsets.US_ASCII));
      md.update(raw);
      return "sha256:" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "EncryptionKey{id=" + id + "}";
  }
}
