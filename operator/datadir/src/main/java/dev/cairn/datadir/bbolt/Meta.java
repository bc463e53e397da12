package dev.cairn.datadir.bbolt;

import static dev.cairn.datadir.bbolt.BoltFormat.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One of the two meta pages of a bbolt file, as read, with whether it is valid. bbolt writes the
 * two alternately, so after a torn write one of them still describes a consistent tree.
 *
 * @param pageId 0 or 1
 * @param freelist the freelist page id, or -1 when the freelist is not stored (etcd's default)
 * @param highWaterMark bbolt's {@code pgid}: the number of pages in use; every page id is below it
 * @param problem why the meta is invalid, or null when it is valid
 */
public record Meta(
    int pageId,
    int magic,
    int version,
    int pageSize,
    int flags,
    long root,
    long sequence,
    long freelist,
    long highWaterMark,
    long txid,
    long checksum,
    long computedChecksum,
    String problem) {

  public boolean valid() {
    return problem == null;
  }

  public boolean freelistStored() {
    return freelist != NO_FREELIST;
  }

  /** Parses the meta page whose header starts at {@code base} in {@code buf} (80 bytes needed). */
  static Meta parse(ByteBuffer buf, int base, int pageId) {
    ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int magic = b.getInt(base + M_MAGIC);
    int version = b.getInt(base + M_VERSION);
    int pageSize = b.getInt(base + M_PAGE_SIZE);
    long checksum = b.getLong(base + M_CHECKSUM);
    long computed = Fnv1a64.hash(b, base + M_MAGIC, M_CHECKSUM - M_MAGIC);
    String problem = null;
    if (magic != MAGIC) {
      problem = String.format("magic 0x%08x, expected 0x%08x", magic, MAGIC);
    } else if (version != VERSION) {
      problem = "version " + version + ", expected " + VERSION;
    } else if (checksum != computed) {
      problem = String.format("checksum 0x%016x, computed 0x%016x", checksum, computed);
    } else if (pageSize < 512 || Integer.bitCount(pageSize) != 1) {
      problem = "page size " + pageSize + " is not a power of two >= 512";
    }
    return new Meta(
        pageId,
        magic,
        version,
        pageSize,
        b.getInt(base + M_FLAGS),
        b.getLong(base + M_ROOT),
        b.getLong(base + M_SEQUENCE),
        b.getLong(base + M_FREELIST),
        b.getLong(base + M_HWM),
        b.getLong(base + M_TXID),
        checksum,
        computed,
        problem);
  }
}
