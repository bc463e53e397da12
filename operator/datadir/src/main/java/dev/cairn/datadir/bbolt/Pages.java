package dev.cairn.datadir.bbolt;

import static dev.cairn.datadir.bbolt.BoltFormat.*;

import java.nio.ByteBuffer;

/**
 * Field accessors for a node image at {@code base} in a little-endian buffer. Static so the hot
 * path of the checker reads fields without creating an object per page.
 */
final class Pages {

  private Pages() {}

  static long id(ByteBuffer b, int base) {
    return b.getLong(base + H_ID);
  }

  static int flags(ByteBuffer b, int base) {
    return b.getShort(base + H_FLAGS) & 0xffff;
  }

  static int count(ByteBuffer b, int base) {
    return b.getShort(base + H_COUNT) & 0xffff;
  }

  static long overflow(ByteBuffer b, int base) {
    return b.getInt(base + H_OVERFLOW) & 0xffffffffL;
  }

  static int elem(int base, int i) {
    return base + PAGE_HEADER + i * ELEMENT;
  }

  // Branch element: pos u32, ksize u32, pgid u64.
  static long branchPos(ByteBuffer b, int e) {
    return b.getInt(e) & 0xffffffffL;
  }

  static long branchKsize(ByteBuffer b, int e) {
    return b.getInt(e + 4) & 0xffffffffL;
  }

  static long branchChild(ByteBuffer b, int e) {
    return b.getLong(e + 8);
  }

  // Leaf element: flags u32, pos u32, ksize u32, vsize u32.
  static int leafFlags(ByteBuffer b, int e) {
    return b.getInt(e);
  }

  static long leafPos(ByteBuffer b, int e) {
    return b.getInt(e + 4) & 0xffffffffL;
  }

  static long leafKsize(ByteBuffer b, int e) {
    return b.getInt(e + 8) & 0xffffffffL;
  }

  static long leafVsize(ByteBuffer b, int e) {
    return b.getInt(e + 12) & 0xffffffffL;
  }

  /** Unsigned lexicographic comparison of two byte ranges, bbolt's key order. */
  static int compare(ByteBuffer a, int aoff, int alen, ByteBuffer b, int boff, int blen) {
    int n = Math.min(alen, blen);
    int i = 0;
    // Eight bytes at a time: the buffers are little-endian, so reverse to compare as big-endian.
    for (; i + 8 <= n; i += 8) {
      long x = a.getLong(aoff + i);
      long y = b.getLong(boff + i);
      if (x != y) {
        return Long.compareUnsigned(Long.reverseBytes(x), Long.reverseBytes(y));
      }
    }
    for (; i < n; i++) {
      int x = a.get(aoff + i) & 0xff;
      int y = b.get(boff + i) & 0xff;
      if (x != y) {
        return x - y;
      }
    }
    return Integer.compare(alen, blen);
  }

  static int compare(ByteBuffer a, int aoff, int alen, byte[] key) {
    int n = Math.min(alen, key.length);
    for (int i = 0; i < n; i++) {
      int x = a.get(aoff + i) & 0xff;
      int y = key[i] & 0xff;
      if (x != y) {
        return x - y;
      }
    }
    return Integer.compare(alen, key.length);
  }

  static byte[] bytes(ByteBuffer b, int off, int len) {
    byte[] out = new byte[len];
    b.get(off, out);
    return out;
  }
}
