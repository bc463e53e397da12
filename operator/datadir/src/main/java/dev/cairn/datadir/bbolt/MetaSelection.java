package dev.cairn.datadir.bbolt;

import static dev.cairn.datadir.bbolt.BoltFormat.META_END;

import dev.cairn.datadir.CorruptFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Both meta pages of a bbolt file and the one bbolt would open: the valid one with the higher
 * txid. The page size comes from meta 0, or, when meta 0 is damaged, from probing where meta 1
 * can be (1 KiB, 2 KiB, ... 32 MiB), the way bbolt recovers from a torn first page.
 *
 * @param meta1 null when no valid meta 1 was found (meta 0 invalid and probing failed, or the file
 *     ends before it)
 */
public record MetaSelection(Meta meta0, Meta meta1, Meta chosen, int pageSize) {

  static final int MAX_PROBE_SHIFT = 15;

  /** Reads and selects; throws {@link CorruptFileException} when neither meta is valid. */
  public static MetaSelection read(Path file, FileChannel ch, long size) throws IOException {
    if (size < META_END) {
      throw new CorruptFileException(
          file, "file of " + size + " bytes is too short to hold a bbolt meta page (" + META_END + " bytes)");
    }
    Meta meta0 = readMeta(ch, 0, 0);
    Meta meta1 = null;
    int pageSize;
    if (meta0.valid()) {
      pageSize = meta0.pageSize();
      if ((long) pageSize + META_END <= size) {
        meta1 = readMeta(ch, pageSize, 1);
      }
    } else {
      pageSize = 0;
      for (int i = 0; i <= MAX_PROBE_SHIFT; i++) {
        long off = 1024L << i;
        if (off + META_END > size) {
          break;
        }
        Meta m = readMeta(ch, off, 1);
        if (m.valid() && m.pageSize() == off) {
          meta1 = m;
          pageSize = (int) off;
          break;
        }
      }
    }
    boolean v0 = meta0.valid();
    boolean v1 = meta1 != null && meta1.valid();
    Meta chosen;
    if (v0 && v1) {
      chosen = meta1.txid() > meta0.txid() ? meta1 : meta0;
    } else if (v0) {
      chosen = meta0;
    } else if (v1) {
      chosen = meta1;
    } else {
      throw new CorruptFileException(
          file,
          "both bbolt meta pages are invalid (meta 0: " + meta0.problem() + "; meta 1: "
              + (meta1 == null ? "not found at any probed page size" : meta1.problem())
              + "); the db cannot be opened, restore it from a snapshot");
    }
    return new MetaSelection(meta0, meta1, chosen, pageSize);
  }

  private static Meta readMeta(FileChannel ch, long offset, int pageId) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(META_END).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, buf, offset);
    return Meta.parse(buf, 0, pageId);
  }

  static void readFully(FileChannel ch, ByteBuffer buf, long offset) throws IOException {
    long pos = offset;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new java.io.EOFException("end of file at offset " + pos);
      }
      pos += n;
    }
    buf.flip();
  }
}
