package dev.cairn.agent.snapshot;

import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Client-side encryption of snapshots: AES-256-GCM over fixed-size chunks, so that any size streams
 * in constant memory and every chunk is authenticated before a reader uses it.
 *
 * <pre>
 * header  "CAIRNENC" | version u8 = 1 | chunk size u32 BE | nonce prefix (7 random bytes)   (20 bytes)
 * chunks  AES-256-GCM(chunk plaintext), 16-byte tag appended; every chunk but the last holds exactly
 *         chunk-size plaintext bytes, the last 0..chunk-size
 * nonce   nonce prefix | chunk index u32 BE | 1 if last chunk else 0                     (12 bytes)
 * AAD     the header
 * </pre>
 *
 * The last-chunk flag in the nonce makes a truncated stream fail authentication, and the index makes
 * reordered or repeated chunks fail: a reader never returns bytes that were not written as they are.
 */
public final class AeadStreams {

  public static final byte[] MAGIC = "CAIRNENC".getBytes(StandardCharsets.US_ASCII);
  public static final int VERSION = 1;
  public static final int DEFAULT_CHUNK = 256 * 1024;
  static final int HEADER = 20;
  static final int TAG = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private AeadStreams() {}

  /** Encrypts everything written to the result into {@code out}; close it to write the last chunk. */
  public static OutputStream encrypt(OutputStream out, EncryptionKey key) throws IOException {
    return new Encrypting(out, key, DEFAULT_CHUNK);
  }

  static OutputStream encrypt(OutputStream out, EncryptionKey key, int chunk) throws IOException {
    return new Encrypting(out, key, chunk);
  }

  /** Decrypts and authenticates {@code in}; tampering or truncation throws {@link IOException}. */
  public static InputStream decrypt(InputStream in, EncryptionKey key) throws IOException {
    return new Decrypting(in, key);
  }

  private static byte[] nonce(byte[] prefix, int index, boolean last) {
    byte[] n = new byte[12];
    System.arraycopy(prefix, 0, n, 0, 7);
    ByteBuffer.wrap(n, 7, 4).putInt(index);
    n[11] = (byte) (last ? 1 : 0);
    return n;
  }

  private static final class Encrypting extends FilterOutputStream {
    private final byte[] header = new byte[HEADER];
    private final byte[] prefix = new byte[7];
    private final byte[] buf;
    private final Cipher cipher;
    private final EncryptionKey key;
    private int len;
    private int index;
    private boolean closed;

    Encrypting(OutputStream out, EncryptionKey key, int chunk) throws IOException {
      super(out);
      this.key = key;
      this.buf = new byte[chunk];
      RANDOM.nextBytes(prefix);
      ByteBuffer h = ByteBuffer.wrap(header);
      h.put(MAGIC).put((byte) VERSION).putInt(chunk).put(prefix);
      try {
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IOException("AES-GCM is not available in this JVM", e);
      }
      out.write(header);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      while (n > 0) {
        if (len == buf.length) {
          // A full buffer is sealed only once more data arrives: only then is it known not to be last.
          seal(false);
        }
        int k = Math.min(n, buf.length - len);
        System.arraycopy(b, off, buf, len, k);
        len += k;
        off += k;
        n -= k;
      }
    }

    private void seal(boolean last) throws IOException {
      try {
        cipher.init(Cipher.ENCRYPT_MODE, key.secretKey(), new GCMParameterSpec(128, nonce(prefix, index, last)));
        cipher.updateAAD(header);
        out.write(cipher.doFinal(buf, 0, len));
      } catch (GeneralSecurityException e) {
        throw new IOException("encryption of chunk " + index + " failed", e);
      }
      index++;
      len = 0;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        seal(true);
        Arrays.fill(buf, (byte) 0);
      } finally {
        out.close();
      }
    }
  }

  private static final class Decrypting extends InputStream {
    private final InputStream in;
    private final EncryptionKey key;
    private final byte[] header = new byte[HEADER];
    private final byte[] prefix = new byte[7];
    private final Cipher cipher;
    private final byte[] cbuf; // one sealed chunk plus one byte of look-ahead
    private int cbufLen;
    private byte[] plain = new byte[0];
    private int pos;
    private int index;
    private boolean done;

    Decrypting(InputStream in, EncryptionKey key) throws IOException {
      this.in = in;
      this.key = key;
      readFully(header, HEADER, true);
      if (!Arrays.equals(Arrays.copyOf(header, 8), MAGIC) || header[8] != VERSION) {
        throw new IOException("not a cairn encrypted stream (bad header): was it written with encryption version 1?");
      }
      int chunk = ByteBuffer.wrap(header, 9, 4).getInt();
      if (chunk <= 0 || chunk > 64 * 1024 * 1024) {
        throw new IOException("encrypted stream header has an invalid chunk size " + chunk);
      }
      System.arraycopy(header, 13, prefix, 0, 7);
      cbuf = new byte[chunk + TAG + 1];
      try {
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IOException("AES-GCM is not available in this JVM", e);
      }
      cbufLen = fill(cbuf, 0);
    }

    private void readFully(byte[] b, int n, boolean header) throws IOException {
      int got = fillN(b, 0, n);
      if (got < n) {
        throw new EOFException(header ? "encrypted stream is shorter than its header" : "encrypted stream truncated");
      }
    }

    private int fillN(byte[] b, int off, int n) throws IOException {
      int total = 0;
      while (total < n) {
        int r = in.read(b, off + total, n - total);
        if (r < 0) {
          break;
        }
        total += r;
      }
      return total;
    }

    private int fill(byte[] b, int off) throws IOException {
      return off + fillN(b, off, b.length - off);
    }

    private boolean nextChunk() throws IOException {
      if (done) {
        return false;
      }
      int sealed = cbuf.length - 1;
      boolean last = cbufLen <= sealed;
      int n = last ? cbufLen : sealed;
      if (n < TAG) {
        throw new IOException("encrypted stream truncated at chunk " + index);
      }
      try {
        cipher.init(Cipher.DECRYPT_MODE, key.secretKey(), new GCMParameterSpec(128, nonce(prefix, index, last)));
        cipher.updateAAD(header);
        plain = cipher.doFinal(cbuf, 0, n);
      } catch (GeneralSecurityException e) {
        throw new IOException(
            "encrypted snapshot chunk " + index + " failed authentication: wrong key, or the object was truncated"
                + " or modified", e);
      }
      pos = 0;
      index++;
      if (last) {
        done = true;
      } else {
        cbuf[0] = cbuf[sealed];
        cbufLen = fill(cbuf, 1);
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int r = read(one, 0, 1);
      return r < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
      if (n == 0) {
        return 0;
      }
      while (pos >= plain.length) {
        if (!nextChunk()) {
          return -1;
        }
      }
      int k = Math.min(n, plain.length - pos);
      System.arraycopy(plain, pos, b, off, k);
      pos += k;
      return k;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
