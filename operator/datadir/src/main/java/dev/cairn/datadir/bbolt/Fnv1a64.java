package dev.cairn.datadir.bbolt;

import java.nio.ByteBuffer;

/** FNV-1a 64-bit, the checksum bbolt stores in each meta page. */
final class Fnv1a64 {

  private static final long OFFSET_BASIS = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private Fnv1a64() {}

  static long hash(ByteBuffer b, int from, int len) {
    long h = OFFSET_BASIS;
    for (int i = from; i < from + len; i++) {
      h ^= b.get(i) & 0xff;
      h *= PRIME;
    }
    return h;
  }
}
