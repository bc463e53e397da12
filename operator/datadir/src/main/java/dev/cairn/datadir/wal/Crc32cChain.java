package dev.cairn.datadir.wal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The running CRC-32C of etcd's WAL, which continues from a seed (the previous file's final CRC)
 * the way Go's {@code crc32.Update(seed, table, data)} does. {@link CRC32C} (hardware-accelerated)
 * cannot be seeded, so a seed S is replaced by a 4-byte prefix whose CRC-32C is S: the CRC of
 * prefix + data then equals the CRC of data continued from S. Four bytes suffice because CRC-32
 * maps 4-byte messages one-to-one onto 32-bit values; the prefix is found by solving that linear
 * (over GF(2)) map once per seed.
 */
final class Crc32cChain {

  private final CRC32C crc = new CRC32C();

  /** Restarts the chain so that {@link #value()} is {@code seed}. */
  void reset(int seed) {
    crc.reset();
    if (seed != 0) {
      crc.update(prefixFor(seed));
    }
  }

  void update(ByteBuffer b, int from, int to) {
    ByteBuffer d = b.duplicate();
    d.limit(to).position(from);
    crc.update(d);
  }

  int value() {
    return (int) crc.getValue();
  }

  static int crc(byte[] msg) {
    CRC32C c = new CRC32C();
    c.update(msg);
    return (int) c.getValue();
  }

  /** Four bytes whose CRC-32C is {@code target}. */
  static byte[] prefixFor(int target) {
    int base = crc(new byte[4]);
    // col[j] = effect of flipping input bit j on the CRC (the map is affine: crc(x) = M x + base).
    int[] rows = new int[32];
    long[] cols = new long[32];
    for (int j = 0; j < 32; j++) {
      byte[] m = new byte[4];
      m[j >>> 3] = (byte) (1 << (j & 7));
      cols[j] = (crc(m) ^ base) & 0xffffffffL;
    }
    // Solve M x = target ^ base by Gaussian elimination on an augmented 32 x 33 matrix, one row per
    // output bit, with bit j of a row = coefficient of input bit j, bit 32 = right-hand side.
    long want = (target ^ base) & 0xffffffffL;
    long[] a = new long[32];
    for (int r = 0; r < 32; r++) {
      long row = 0;
      for (int j = 0; j < 32; j++) {
        row |= ((cols[j] >>> r) & 1L) << j;
      }
      a[r] = row | (((want >>> r) & 1L) << 32);
    }
    int rank = 0;
    for (int j = 0; j < 32; j++) {
      int pivot = -1;
      for (int r = rank; r < 32; r++) {
        if (((a[r] >>> j) & 1L) != 0) {
          pivot = r;
          break;
        }
      }
      if (pivot < 0) {
        throw new IllegalStateException("CRC-32C map is not invertible at bit " + j);
      }
      long t = a[pivot];
      a[pivot] = a[rank];
      a[rank] = t;
      for (int r = 0; r < 32; r++) {
        if (r != rank && ((a[r] >>> j) & 1L) != 0) {
          a[r] ^= a[rank];
        }
      }
      rows[rank] = j;
      rank++;
    }
    long x = 0;
    for (int r = 0; r < 32; r++) {
      x |= ((a[r] >>> 32) & 1L) << rows[r];
    }
    byte[] prefix = {(byte) x, (byte) (x >>> 8), (byte) (x >>> 16), (byte) (x >>> 24)};
    if (crc(prefix) != target) {
      throw new IllegalStateException("CRC-32C prefix solve failed for seed " + Integer.toHexString(target));
    }
    return prefix;
  }
}
