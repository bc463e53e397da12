package dev.cairn.datadir.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Read-only mappings of a file of any size. A single mapping is capped below 2 GiB, so the file
 * is covered by mappings that start every {@link #STRIDE} bytes and reach almost 2 GiB: they
 * overlap by about 1 GiB, so any node smaller than that lies wholly inside the mapping of the
 * stride it starts in and is read without copying. Mappings never extend past the file size read
 * at open, so reading them cannot fault (SIGBUS) unless the file shrinks meanwhile. Safe for
 * concurrent readers: mappings are created once and only read.
 */
final class MappedWindows {

  static final long STRIDE = 1L << 30;

  private final FileChannel ch;
  private final long size;
  private final long maxMap;
  private final AtomicReferenceArray<ByteBuffer> windows;

  MappedWindows(FileChannel ch, long size, int pageSize) {
    this.ch = ch;
    this.size = size;
    this.maxMap = (Integer.MAX_VALUE / pageSize) * (long) pageSize;
    this.windows = new AtomicReferenceArray<>((int) ((size + STRIDE - 1) / STRIDE));
  }

  /** Where file offset {@code off} is in the buffer {@link #at} returns for it. */
  static int base(long off) {
    return (int) (off % STRIDE);
  }

  /**
   * The mapping holding [off, off + len), with off at index {@link #base}(off); null when the
   * range is too long for one mapping. The caller has checked off + len <= size.
   */
  ByteBuffer at(long off, long len) throws IOException {
    int w = (int) (off / STRIDE);
    long start = w * STRIDE;
    long mapLen = Math.min(maxMap, size - start);
    if (off - start + len > mapLen) {
      return null;
    }
    ByteBuffer b = windows.get(w);
    if (b == null) {
      synchronized (this) {
        b = windows.get(w);
        if (b == null) {
          b = ch.map(FileChannel.MapMode.READ_ONLY, start, mapLen).order(ByteOrder.LITTLE_ENDIAN);
          windows.set(w, b);
        }
      }
    }
    return b;
  }
}
