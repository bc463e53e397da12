package dev.cairn.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Damage aimed at one structure of a stopped etcd's bbolt file, read with plain positional reads
 * (independent of the checker under test): the root page of the {@code key} bucket, when it is a
 * branch page, gets the child page id of its first element flipped far past the end of the file.
 * A reader that follows it would read garbage; the validation must refuse the file.
 */
final class BoltDamage {

  private static final int MAGIC = 0xED0CDAED;
  private static final int BRANCH = 0x01;
  private static final int LEAF = 0x02;

  private BoltDamage() {}

  /** Flips the bytes; returns a description of what was hit. Fails when the bucket has no branch page yet. */
  static String flipKeyBucketBranch(Path db) throws IOException {
    try (FileChannel ch = FileChannel.open(db, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer m0 = read(ch, 0, 4096);
      int pageSize = m0.getInt(24);
      ByteBuffer m1 = read(ch, pageSize, pageSize);
      ByteBuffer meta = pick(m0, m1);
      long root = meta.getLong(32);
      long keyRoot = bucketRoot(ch, pageSize, root, "key");
      ByteBuffer page = read(ch, keyRoot * pageSize, pageSize);
      int flags = page.getShort(8) & 0xffff;
      int count = page.getShort(10) & 0xffff;
      if (flags != BRANCH || count < 2) {
        throw new IllegalStateException("the key bucket's root page " + keyRoot + " of " + db + " is not a branch page"
            + " (flags " + flags + ", " + count + " elements): write more keys first");
      }
      long offset = keyRoot * pageSize + 16 + 8 + 4; // element 0: pos u32, ksize u32, pgid u64 -> high half of pgid
      ByteBuffer b = read(ch, offset, 4);
      int flipped = b.getInt(0) ^ 0x7fff0000;
      ByteBuffer w = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, flipped);
      ch.write(w, offset);
      ch.force(true);
      return "branch page " + keyRoot + " of bucket key (" + count + " elements), bytes at offset " + offset;
    }
  }

  private static ByteBuffer pick(ByteBuffer a, ByteBuffer b) {
    boolean aOk = a.getInt(16) == MAGIC;
    boolean bOk = b.getInt(16) == MAGIC;
    if (aOk && bOk) {
      return a.getLong(64) >= b.getLong(64) ? a : b;
    }
    if (aOk || bOk) {
      return aOk ? a : b;
    }
    throw new IllegalStateException("no bbolt meta page");
  }

  /** The root page of a top-level bucket, walking the root bucket's tree. */
  private static long bucketRoot(FileChannel ch, int pageSize, long pgid, String name) throws IOException {
    ByteBuffer p = read(ch, pgid * pageSize, pageSize);
    long overflow = p.getInt(12) & 0xffffffffL;
    if (overflow > 0) {
      p = read(ch, pgid * pageSize, (int) ((overflow + 1) * pageSize));
    }
    int flags = p.getShort(8) & 0xffff;
    int count = p.getShort(10) & 0xffff;
    for (int i = 0; i < count; i++) {
      int e = 16 + i * 16;
      if (flags == BRANCH) {
        long child = bucketRootOrNeg(ch, pageSize, p.getLong(e + 8), name);
        if (child >= 0) {
          return child;
        }
      } else if (flags == LEAF) {
        int pos = p.getInt(e + 4);
        int ksize = p.getInt(e + 8);
        byte[] k = new byte[ksize];
        p.get(e + pos, k);
        if ((p.getInt(e) & 1) != 0 && name.equals(new String(k, StandardCharsets.ISO_8859_1))) {
          long root = p.getLong(e + pos + ksize);
          if (root == 0) {
            throw new IllegalStateException("bucket " + name + " is inline: write more keys first");
          }
          return root;
        }
      }
    }
    throw new IllegalStateException("no bucket " + name + " under page " + pgid);
  }

  private static long bucketRootOrNeg(FileChannel ch, int pageSize, long pgid, String name) throws IOException {
    try {
      return bucketRoot(ch, pageSize, pgid, name);
    } catch (IllegalStateException e) {
      return -1;
    }
  }

  private static ByteBuffer read(FileChannel ch, long offset, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, offset + b.position()) < 0) {
        break;
      }
    }
    return b.clear();
  }
}
