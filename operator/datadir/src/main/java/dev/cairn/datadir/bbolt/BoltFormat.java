package dev.cairn.datadir.bbolt;

/**
 * Layout constants of a bbolt file (little-endian; see docs/datadir.md). Kept in one place so the
 * revision reader and the checker cannot disagree on an offset.
 */
final class BoltFormat {

  static final int PAGE_HEADER = 16;
  static final int ELEMENT = 16;

  // Page header fields, relative to the page start.
  static final int H_ID = 0;
  static final int H_FLAGS = 8;
  static final int H_COUNT = 10;
  static final int H_OVERFLOW = 12;

  static final int BRANCH = 0x01;
  static final int LEAF = 0x02;
  static final int META = 0x04;
  static final int FREELIST = 0x10;

  /** Leaf element flag: the value is a bucket header {root, sequence}. */
  static final int BUCKET_LEAF = 0x01;
  /** Size of a bucket header in a leaf value; an inline bucket's page follows it. */
  static final int BUCKET_HEADER = 16;

  static final int MAGIC = 0xED0CDAED;
  static final int VERSION = 2;

  // Meta fields, relative to the page start (the meta struct begins after the page header).
  static final int M_MAGIC = 16;
  static final int M_VERSION = 20;
  static final int M_PAGE_SIZE = 24;
  static final int M_FLAGS = 28;
  static final int M_ROOT = 32;
  static final int M_SEQUENCE = 40;
  static final int M_FREELIST = 48;
  static final int M_HWM = 56;
  static final int M_TXID = 64;
  static final int M_CHECKSUM = 72;
  static final int META_END = 80;

  /** Freelist page id meaning "the freelist is not stored" (bbolt NoFreelistSync, what etcd uses). */
  static final long NO_FREELIST = -1L;
  /** A freelist page whose count field holds this value keeps the real count in its first u64. */
  static final int FREELIST_COUNT_OVERFLOW = 0xFFFF;

  private BoltFormat() {}

  static String flagsName(int flags) {
    return switch (flags) {
      case BRANCH -> "branch";
      case LEAF -> "leaf";
      case META -> "meta";
      case FREELIST -> "freelist";
      default -> String.format("unknown(0x%04x)", flags);
    };
  }
}
