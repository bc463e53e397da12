package dev.cairn.datadir.bbolt;

import static dev.cairn.datadir.bbolt.BoltFormat.*;

import dev.cairn.datadir.CorruptFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the current revision of an etcd backend db without scanning it: it descends the "key"
 * bucket along its last branch elements to the last key (O(tree depth) page reads), and looks up
 * consistent_index and the compaction revisions in "meta". Works on a data-dir db and on a v3
 * snapshot file (the db followed by a 32-byte sha256 trailer, which it ignores).
 *
 * <p>It trusts the tree it walks as far as it needs to: page ids, node bounds and key shapes on
 * its path are checked and reported as {@link CorruptFileException}, but the rest of the file is
 * not read. Run {@link BoltChecker} for that.
 */
public final class RevisionReader {

  static final byte[] KEY_BUCKET = "key".getBytes(StandardCharsets.US_ASCII);
  static final byte[] META_BUCKET = "meta".getBytes(StandardCharsets.US_ASCII);
  static final byte[] CONSISTENT_INDEX = "consistent_index".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FINISHED_COMPACT = "finishedCompactRev".getBytes(StandardCharsets.US_ASCII);
  static final byte[] SCHEDULED_COMPACT = "scheduledCompactRev".getBytes(StandardCharsets.US_ASCII);

  /** A deeper tree than this cannot come from bbolt (fan-out >= 2); it means a cycle. */
  static final int MAX_DEPTH = 64;

  private RevisionReader() {}

  /** Reads the revision of the db or v3 snapshot at {@code file}. */
  public static DbRevision read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      MetaSelection sel = MetaSelection.read(file, ch, size);
      Meta meta = sel.chosen();
      ChannelPages pages = new ChannelPages(file, ch, size, sel.pageSize(), meta.highWaterMark());
      ChannelPages.Node root = pages.read(meta.root(), "(root)");

      ChannelPages.Node keys = bucket(pages, root, KEY_BUCKET, "key");
      if (keys == null) {
        throw new CorruptFileException(file, "no \"key\" bucket in the root bucket: not an etcd backend db");
      }
      ChannelPages.Node metaBucket = bucket(pages, root, META_BUCKET, "meta");
      long consistentIndex = 0;
      long finished = 0;
      long scheduled = 0;
      if (metaBucket != null) {
        consistentIndex = u64Value(pages, metaBucket, CONSISTENT_INDEX, "consistent_index");
        finished = revisionValue(pages, metaBucket, FINISHED_COMPACT, "finishedCompactRev");
        scheduled = revisionValue(pages, metaBucket, SCHEDULED_COMPACT, "scheduledCompactRev");
      }
      long last = 0;
      Value lastKey = lastKey(pages, keys, 0);
      if (lastKey != null) {
        if (lastKey.len() != 17 && lastKey.len() != 18) {
          throw pages.corrupt("key", "last key is " + lastKey.len() + " bytes, expected a 17 or 18 byte revision");
        }
        // The first 8 bytes are the main revision, big-endian; the buffer reads little-endian.
        last = Long.reverseBytes(lastKey.buf().getLong(lastKey.off()));
      }
      // etcd's store starts at revision 1 even with no key (mvcc currentRev): a fresh cluster's db and
      // snapshot are at revision 1, and 0 here made restores of such snapshots fail their revision check.
      long revision = Math.max(1, Math.max(last, Math.max(finished, scheduled)));
      return new DbRevision(revision, consistentIndex, finished, scheduled);
    }
  }

  /** A key or value span inside a node buffer. */
  private record Value(ByteBuffer buf, int off, int len, int flags) {}

  private static ChannelPages.Node bucket(ChannelPages pages, ChannelPages.Node root, byte[] name, String path)
      throws IOException {
    Value v = get(pages, root, name, path, 0);
    if (v == null) {
      return null;
    }
    if ((v.flags() & BUCKET_LEAF) == 0 || v.len() < BUCKET_HEADER) {
      throw pages.corrupt(path, "root bucket entry \"" + path + "\" is not a bucket");
    }
    long child = v.buf().getLong(v.off());
    return child == 0 ? pages.inline(v.buf(), v.off(), v.len(), path) : pages.read(child, path);
  }

  private static long u64Value(ChannelPages pages, ChannelPages.Node meta, byte[] key, String name)
      throws IOException {
    Value v = get(pages, meta, key, "meta", 0);
    if (v == null) {
      return 0;
    }
    if (v.len() != 8) {
      throw pages.corrupt("meta", name + " is " + v.len() + " bytes, expected 8");
    }
    return Long.reverseBytes(v.buf().getLong(v.off()));
  }

  private static long revisionValue(ChannelPages pages, ChannelPages.Node meta, byte[] key, String name)
      throws IOException {
    Value v = get(pages, meta, key, "meta", 0);
    if (v == null) {
      return 0;
    }
    if (v.len() < 8) {
      throw pages.corrupt("meta", name + " is " + v.len() + " bytes, expected a 17-byte revision");
    }
    return Long.reverseBytes(v.buf().getLong(v.off()));
  }

  /** Exact lookup of {@code key}; returns the value span, or null when absent. */
  private static Value get(ChannelPages pages, ChannelPages.Node n, byte[] key, String path, int depth)
      throws IOException {
    if (depth > MAX_DEPTH) {
      throw pages.corrupt(path, "tree deeper than " + MAX_DEPTH + " levels: a page cycle");
    }
    ByteBuffer b = n.buf();
    int count = Pages.count(b, n.base());
    if (Pages.flags(b, n.base()) == BRANCH) {
      // The child to follow is the last one whose first key is <= the key we look for.
      int pick = -1;
      for (int i = 0; i < count; i++) {
        int e = Pages.elem(n.base(), i);
        int koff = span(pages, n, e, Pages.branchPos(b, e), Pages.branchKsize(b, e), path);
        if (Pages.compare(b, koff, (int) Pages.branchKsize(b, e), key) > 0) {
          break;
        }
        pick = i;
      }
      if (pick < 0) {
        return null;
      }
      long child = Pages.branchChild(b, Pages.elem(n.base(), pick));
      return get(pages, pages.read(child, path), key, path, depth + 1);
    }
    for (int i = 0; i < count; i++) {
      int e = Pages.elem(n.base(), i);
      long ksize = Pages.leafKsize(b, e);
      int koff = span(pages, n, e, Pages.leafPos(b, e), ksize + Pages.leafVsize(b, e), path);
      if (Pages.compare(b, koff, (int) ksize, key) == 0) {
        return new Value(b, koff + (int) ksize, (int) Pages.leafVsize(b, e), Pages.leafFlags(b, e));
      }
    }
    return null;
  }

  /**
   * The last key under {@code n}. Follows the last child; steps back to an earlier child only if a
   * subtree is empty, which bbolt's rebalancing does not leave behind, so this is O(depth).
   */
  private static Value lastKey(ChannelPages pages, ChannelPages.Node n, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw pages.corrupt("key", "tree deeper than " + MAX_DEPTH + " levels: a page cycle");
    }
    ByteBuffer b = n.buf();
    int count = Pages.count(b, n.base());
    if (Pages.flags(b, n.base()) == BRANCH) {
      for (int i = count - 1; i >= 0; i--) {
        Value v = lastKey(pages, pages.read(Pages.branchChild(b, Pages.elem(n.base(), i)), "key"), depth + 1);
        if (v != null) {
          return v;
        }
      }
      return null;
    }
    if (count == 0) {
      return null;
    }
    int e = Pages.elem(n.base(), count - 1);
    long ksize = Pages.leafKsize(b, e);
    int koff = span(pages, n, e, Pages.leafPos(b, e), ksize + Pages.leafVsize(b, e), "key");
    return new Value(b, koff, (int) ksize, Pages.leafFlags(b, e));
  }

  /** Checks that [e+pos, e+pos+len) lies inside the node and returns its start. */
  private static int span(ChannelPages pages, ChannelPages.Node n, int e, long pos, long len, String path)
      throws IOException {
    long start = (long) e + pos;
    if (start + len > n.end()) {
      throw pages.corrupt(path, "element at node offset " + (e - n.base()) + " points past the end of its node");
    }
    return (int) start;
  }
}
