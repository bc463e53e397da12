package dev.cairn.datadir.bbolt;

import static dev.cairn.datadir.bbolt.BoltFormat.*;

import dev.cairn.datadir.CorruptFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Reads single nodes with positional reads: for lookups that touch a handful of pages (the
 * revision reader), where mapping the file would cost more than it saves.
 */
final class ChannelPages {

  /** A node image: header at {@code base}, bytes up to {@code end} (exclusive) belong to it. */
  record Node(ByteBuffer buf, int base, int end) {}

  /** Largest node this reader loads into memory; etcd's largest value is far below it. */
  static final long MAX_NODE_BYTES = 256L << 20;

  private final Path file;
  private final FileChannel ch;
  private final long size;
  private final int pageSize;
  private final long hwm;

  ChannelPages(Path file, FileChannel ch, long size, int pageSize, long hwm) {
    this.file = file;
    this.ch = ch;
    this.size = size;
    this.pageSize = pageSize;
    this.hwm = hwm;
  }

  Node read(long pgid, String where) throws IOException {
    if (pgid < 2 || pgid >= hwm) {
      throw corrupt(where, "page id " + pgid + " is outside [2, " + hwm + ") (high-water mark)");
    }
    long off = pgid * pageSize;
    if (off + PAGE_HEADER > size) {
      throw corrupt(where, "page " + pgid + " starts at offset " + off + ", past the end of the file (" + size + " bytes)");
    }
    ByteBuffer head = ByteBuffer.allocate(PAGE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
    MetaSelection.readFully(ch, head, off);
    if (Pages.id(head, 0) != pgid) {
      throw corrupt(where, "page " + pgid + " has id " + Pages.id(head, 0) + " in its header");
    }
    int flags = Pages.flags(head, 0);
    if (flags != BRANCH && flags != LEAF) {
      throw corrupt(where, "page " + pgid + " is a " + BoltFormat.flagsName(flags) + " page, expected branch or leaf");
    }
    long len = (Pages.overflow(head, 0) + 1) * pageSize;
    if (pgid + Pages.overflow(head, 0) >= hwm || off + len > size) {
      throw corrupt(where, "node at page " + pgid + " with overflow " + Pages.overflow(head, 0)
          + " runs past the high-water mark or the end of the file");
    }
    if (len > MAX_NODE_BYTES) {
      throw corrupt(where, "node at page " + pgid + " is " + len + " bytes, larger than any etcd writes");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
    MetaSelection.readFully(ch, buf, off);
    Node n = new Node(buf, 0, (int) len);
    checkTable(n, pgid, where);
    return n;
  }

  /** An inline bucket's leaf, stored inside its parent's value bytes. */
  Node inline(ByteBuffer buf, int valueOff, int valueLen, String where) throws IOException {
    int base = valueOff + BUCKET_HEADER;
    int end = valueOff + valueLen;
    if (end - base < PAGE_HEADER) {
      throw corrupt(where, "inline bucket value of " + valueLen + " bytes is too short for a page header");
    }
    if (Pages.flags(buf, base) != LEAF) {
      throw corrupt(where, "inline bucket page has flags " + BoltFormat.flagsName(Pages.flags(buf, base)) + ", expected leaf");
    }
    Node n = new Node(buf, base, end);
    checkTable(n, 0, where);
    return n;
  }

  private void checkTable(Node n, long pgid, String where) throws IOException {
    long tableEnd = (long) n.base() + PAGE_HEADER + (long) Pages.count(n.buf(), n.base()) * ELEMENT;
    if (tableEnd > n.end()) {
      throw corrupt(where, (pgid == 0 ? "inline page" : "page " + pgid) + ": element table of "
          + Pages.count(n.buf(), n.base()) + " elements runs past the node");
    }
  }

  CorruptFileException corrupt(String where, String what) {
    return new CorruptFileException(file, "bucket " + where + ": " + what);
  }
}
