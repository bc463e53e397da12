package dev.cairn.datadir.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Test helper: the tree of a bbolt file, parsed independently of the checker with plain
 * positional reads, plus the byte regions the checker reports through its layout listener. Tests
 * use it to aim damage at a specific structure and to interpret what a random flip hit.
 */
public final class DbLayout {

  /**
   * A reachable page node.
   *
   * @param refOffset file offset of the 8-byte field holding this node's page id (branch element
   *     or bucket header); -1 for the root bucket's root
   */
  public record Node(long pgid, int flags, long overflow, int count, String bucket, long refOffset, long base,
      long length, boolean inline) {
    public boolean branch() {
      return flags == 0x01;
    }

    public boolean leaf() {
      return flags == 0x02;
    }
  }

  /** A region as the checker saw it. */
  public record Region(String kind, long offset, long length) {}

  public final Path file;
  public final int pageSize;
  public final Meta meta;
  public final List<Node> nodes = new ArrayList<>();
  private final NavigableMap<Long, Region> regions = new TreeMap<>();
  private final FileChannel ch;

  private DbLayout(Path file, FileChannel ch, MetaSelection sel) {
    this.file = file;
    this.ch = ch;
    this.pageSize = sel.pageSize();
    this.meta = sel.chosen();
  }

  public static DbLayout read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      DbLayout l = new DbLayout(file, ch, MetaSelection.read(file, ch, ch.size()));
      l.walk(l.meta.root(), "(root)", -1);
      BoltReport r = BoltChecker.check(file, 1000, (kind, off, len) -> l.regions.put(off, new Region(kind.name(), off, len)));
      if (!r.ok()) {
        throw new IllegalStateException("layout of a damaged file: " + r.findings());
      }
      return l;
    }
  }

  private ByteBuffer page(long pgid, long pages) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) (pages * pageSize)).order(ByteOrder.LITTLE_ENDIAN);
    ch.read(b, pgid * pageSize);
    return b;
  }

  private void walk(long pgid, String bucket, long ref) throws IOException {
    ByteBuffer h = page(pgid, 1);
    long ov = h.getInt(12) & 0xffffffffL;
    ByteBuffer b = ov == 0 ? h : page(pgid, ov + 1);
    int flags = b.getShort(8) & 0xffff;
    int count = b.getShort(10) & 0xffff;
    nodes.add(new Node(pgid, flags, ov, count, bucket, ref, pgid * pageSize, (ov + 1) * pageSize, false));
    elements(b, 0, pgid, bucket);
  }

  private void elements(ByteBuffer b, int base, long pgid, String bucket) throws IOException {
    int flags = b.getShort(base + 8) & 0xffff;
    int count = b.getShort(base + 10) & 0xffff;
    for (int i = 0; i < count; i++) {
      int e = base + 16 + i * 16;
      if (flags == 0x01) {
        walk(b.getLong(e + 8), bucket, pgid * pageSize + e + 8);
      } else if ((b.getInt(e) & 1) != 0) {
        int k = e + b.getInt(e + 4);
        int ks = b.getInt(e + 8);
        int vs = b.getInt(e + 12);
        int v = k + ks;
        long root = b.getLong(v);
        String name = new String(b.array(), k, ks, StandardCharsets.ISO_8859_1);
        String path = bucket.equals("(root)") ? name : bucket + "/" + name;
        if (root != 0) {
          walk(root, path, pgid * pageSize + v);
        } else {
          int ib = v + 16;
          nodes.add(new Node(pgid, 0x02, 0, b.getShort(ib + 10) & 0xffff, path, -1, pgid * pageSize + ib, vs - 16, true));
          elements(b, ib, pgid, path);
        }
      }
    }
  }

  public List<Node> nodes(String bucket, boolean branch) {
    return nodes.stream().filter(n -> n.bucket().equals(bucket) && n.branch() == branch).toList();
  }

  /** Key spans of a node: {offset in file, length} for each element in order. */
  public List<long[]> keys(Node n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) n.length()).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      c.read(b, n.base());
    }
    List<long[]> out = new ArrayList<>();
    for (int i = 0; i < n.count(); i++) {
      int e = 16 + i * 16;
      long pos = b.getInt(e + (n.branch() ? 0 : 4)) & 0xffffffffL;
      long ks = b.getInt(e + (n.branch() ? 4 : 8)) & 0xffffffffL;
      out.add(new long[] {n.base() + e + pos, ks});
    }
    return out;
  }

  /** The region holding a byte, or null when the checker never read it. */
  public Region regionAt(long offset) {
    Map.Entry<Long, Region> e = regions.floorEntry(offset);
    if (e == null || offset >= e.getKey() + e.getValue().length()) {
      return null;
    }
    return e.getValue();
  }

  public List<Region> regions() {
    return List.copyOf(regions.values());
  }

  /** Recomputes a meta page's checksum after a test changed one of its fields. */
  public static void rehashMeta(Path file, int pageSize, int metaPage) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
      c.read(b, (long) metaPage * pageSize);
      long sum = Fnv1a64.hash(b, 16, 56);
      ByteBuffer s = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sum);
      c.write(s, (long) metaPage * pageSize + 72);
    }
  }
}
