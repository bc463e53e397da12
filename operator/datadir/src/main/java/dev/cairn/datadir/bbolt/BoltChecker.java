package dev.cairn.datadir.bbolt;

import static dev.cairn.datadir.bbolt.BoltFormat.*;

import dev.cairn.datadir.CorruptFileException;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Full consistency check of a bbolt file, done in one pass over the reachable pages of the tree.
 *
 * <p>It checks what bbolt's own {@code tx.Check} does (page ids within the high-water mark, the id
 * stored in each page, valid page types, no page reached twice, no reachable page in a stored
 * freelist, every page reachable or free) and what bbolt 1.3.6 (etcd 3.4) does not: element tables
 * and key/value spans inside their node, elements packed the way bbolt writes them, a node's size
 * matching the pages it occupies, keys strictly increasing in each page and within the bounds set
 * by the parent branch keys (a child's first key equal to its parent's key for it), nothing read
 * past the end of the file. In etcd's "key" bucket it also
 * checks that each key is a revision and each value a KeyValue protobuf whose mod_revision is that
 * revision, because etcd decodes every one of them when it starts.
 *
 * <p>Cost: one visit per reachable page through read-only mappings, two bitsets of one bit per page
 * (8 GiB db: 2 M pages, 256 KiB each), no allocation per page.
 */
public final class BoltChecker {

  public static final int DEFAULT_MAX_FINDINGS = 200;

  /** Nested buckets (and corrupt trees looping through inline buckets) stop here. */
  static final int MAX_DEPTH = 256;

  /** Bytes read at once for a run of sibling pages: fits a core's cache, so checking it is cheap. */
  static final int RUN_BYTES = 256 * 1024;

  /** Pages not needed between two siblings that a run may still read through. */
  static final int RUN_GAP = 8;

  /** More threads than this only contend for the same memory bandwidth. */
  static final int MAX_THREADS = 8;

  /** Bytes after a node's last value that must be zero (see slack()). */
  static final int SLACK_PROBE = 16;

  /** Branch levels whose children are walked as separate tasks when walking in parallel. */
  static final int FORK_LEVELS = 2;

  /** What a byte range of a node is, reported to a {@link LayoutListener}. */
  enum Region {
    HEADER,
    ELEMENTS,
    KEY,
    VALUE,
    BUCKET_ROOT,
    BUCKET_SEQUENCE,
    /** Fields of an inline bucket's page header that bbolt never reads (id, overflow). */
    INLINE_UNUSED,
    /** Bytes after the last value of a node: never read by bbolt (the first few must be zero). */
    SLACK,
    FREELIST
  }

  /** Receives the layout of every node the check reads; tests use it to interpret byte flips. */
  interface LayoutListener {
    void region(Region region, long fileOffset, long length);
  }

  private BoltChecker() {}

  /** Checks the file, reporting up to {@link #DEFAULT_MAX_FINDINGS} problems. */
  public static BoltReport check(Path file) throws IOException {
    return check(file, DEFAULT_MAX_FINDINGS);
  }

  /**
   * Checks the file on as many threads as there are processors, up to {@link #MAX_THREADS}:
   * independent subtrees are walked in parallel, so page faults and parsing overlap. Corruption is
   * reported in the result; an {@link IOException} means the file could not be read at all
   * (missing, unreadable).
   */
  public static BoltReport check(Path file, int maxFindings) throws IOException {
    return check(file, maxFindings, null, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
  }

  /** Checks the file on {@code threads} threads (1: on the calling thread only). */
  public static BoltReport check(Path file, int maxFindings, int threads) throws IOException {
    return check(file, maxFindings, null, threads);
  }

  static BoltReport check(Path file, int maxFindings, LayoutListener layout) throws IOException {
    return check(file, maxFindings, layout, 1);
  }

  /** @param parallelism threads to walk with; 1 walks on the calling thread (a listener forces 1) */
  static BoltReport check(Path file, int maxFindings, LayoutListener layout, int parallelism) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      MetaSelection sel;
      try {
        sel = MetaSelection.read(file, ch, size);
      } catch (CorruptFileException e) {
        String msg = e.getMessage().substring(file.toString().length() + 2);
        return new BoltReport(file, size, 0, null, null, null, 0, 0, 0, 0, 0, 0,
            List.of(new BoltFinding(-1, "", msg)), 0, List.of());
      }
      int threads = layout != null ? 1 : Math.max(1, parallelism);
      ForkJoinPool pool = threads > 1 ? new ForkJoinPool(threads) : null;
      try {
        Walker w = new Walker(file, ch, size, sel, Math.max(1, maxFindings), layout, pool);
        w.run();
        return w.report();
      } finally {
        if (pool != null) {
          pool.shutdownNow();
        }
      }
    }
  }

  /**
   * The state of one check. Fields instead of objects per page keep the hot path allocation-free.
   * A walker walks one subtree on one thread; walkers forked for other subtrees share everything
   * but the bucket path and the counters, which they add up when done.
   */
  private static final class Walker {
    private final Path file;
    private final long size;
    private final MetaSelection sel;
    private final Meta meta;
    private final int ps;
    private final long hwm;
    /** Pages that are wholly inside the file and below the high-water mark: the bitsets' range. */
    private final long pages;
    private final MappedWindows mw;
    private final FileChannel ch;
    private final int runPages;
    private final ConcurrentLinkedQueue<Buffers> bufferPool;
    private Buffers bufs;
    private final AtomicLongArray reached;
    /** Written only before the walk (stored freelist), read-only while walkers run. */
    private final long[] free;
    private final int maxFindings;
    private final LayoutListener layout;
    private final ForkJoinPool pool;
    private final List<BoltFinding> findings;
    private final List<String> warnings;
    private final AtomicLong omitted;
    private final AtomicLong[] totals;
    private final long[] dirtySlack;
    private final StringBuilder dirtySlackExamples;

    // Counted locally, added to totals when this walker's subtree is done.
    private long buckets;
    private long keys;
    private long overflowPages;
    /** Levels of branch pages above this walker where subtrees were forked. */
    private final int forkLevel;

    // The bucket path, as references into the mapped buffers (names are only copied for messages).
    private final ByteBuffer[] pathBuf = new ByteBuffer[MAX_DEPTH + 2];
    private final int[] pathOff = new int[MAX_DEPTH + 2];
    private final int[] pathLen = new int[MAX_DEPTH + 2];
    private int pathDepth;

    Walker(Path file, FileChannel ch, long size, MetaSelection sel, int maxFindings, LayoutListener layout,
        ForkJoinPool pool) {
      this.file = file;
      this.size = size;
      this.sel = sel;
      this.meta = sel.chosen();
      this.ps = sel.pageSize();
      this.hwm = meta.highWaterMark();
      this.pages = Math.max(0, Math.min(hwm, size / ps));
      this.mw = new MappedWindows(ch, size, ps);
      this.ch = ch;
      this.runPages = Math.max(1, RUN_BYTES / ps);
      this.bufferPool = new ConcurrentLinkedQueue<>();
      this.reached = new AtomicLongArray((int) ((pages + 63) >>> 6));
      this.free = meta.freelistStored() ? new long[reached.length()] : null;
      this.maxFindings = maxFindings;
      this.layout = layout;
      this.pool = pool;
      this.findings = new ArrayList<>();
      this.warnings = new ArrayList<>();
      this.omitted = new AtomicLong();
      this.totals = new AtomicLong[] {new AtomicLong(), new AtomicLong(), new AtomicLong()};
      this.dirtySlack = new long[1];
      this.dirtySlackExamples = new StringBuilder();
      this.forkLevel = 0;
    }

    /** A walker for a forked subtree: same shared state, a copy of the bucket path. */
    private Walker(Walker parent) {
      this.file = parent.file;
      this.size = parent.size;
      this.sel = parent.sel;
      this.meta = parent.meta;
      this.ps = parent.ps;
      this.hwm = parent.hwm;
      this.pages = parent.pages;
      this.mw = parent.mw;
      this.ch = parent.ch;
      this.runPages = parent.runPages;
      this.bufferPool = parent.bufferPool;
      this.reached = parent.reached;
      this.free = parent.free;
      this.maxFindings = parent.maxFindings;
      this.layout = parent.layout;
      this.pool = parent.pool;
      this.findings = parent.findings;
      this.warnings = parent.warnings;
      this.omitted = parent.omitted;
      this.totals = parent.totals;
      this.dirtySlack = parent.dirtySlack;
      this.dirtySlackExamples = parent.dirtySlackExamples;
      this.forkLevel = parent.forkLevel + 1;
      this.pathDepth = parent.pathDepth;
      System.arraycopy(parent.pathBuf, 0, pathBuf, 0, pathDepth);
      System.arraycopy(parent.pathOff, 0, pathOff, 0, pathDepth);
      System.arraycopy(parent.pathLen, 0, pathLen, 0, pathDepth);
    }

    private void flushCounters() {
      totals[0].addAndGet(buckets);
      totals[1].addAndGet(keys);
      totals[2].addAndGet(overflowPages);
      buckets = keys = overflowPages = 0;
    }

    void run() throws IOException {
      Meta other = meta.pageId() == 0 ? sel.meta1() : sel.meta0();
      if (other == null || !other.valid()) {
        warnings.add("meta page " + (1 - meta.pageId()) + " is invalid ("
            + (other == null ? "not found" : other.problem()) + "); bbolt uses meta page " + meta.pageId()
            + " (txid " + meta.txid() + ") and rewrites the other on its next commit");
      } else if (other.pageSize() != meta.pageSize()) {
        finding(-1, "", "the meta pages disagree on the page size (" + sel.meta0().pageSize() + " and "
            + sel.meta1().pageSize() + ")");
      }
      if (hwm < 2) {
        finding(-1, "", "high-water mark " + hwm + " is below 2: not even the meta pages are counted");
        return;
      }
      long need = hwm * ps;
      if (size < need) {
        finding(-1, "", "the file is " + size + " bytes but the high-water mark of " + hwm + " pages of " + ps
            + " bytes needs " + need + ": the file is truncated");
      }
      for (long p = 0; p < Math.min(2, pages); p++) {
        testAndSet(reached, p);
      }
      if (free != null) {
        readFreelist();
      }
      if (pool != null) {
        try {
          pool.invoke(ForkJoinTask.adapt(() -> {
            walkSingle(meta.root(), 0, null, 0, 0, null, 0, 0);
            return null;
          }));
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      } else {
        walkSingle(meta.root(), 0, null, 0, 0, null, 0, 0);
      }
      releaseBuffers();
      flushCounters();
      if (free != null) {
        for (long p = 2; p < pages; p++) {
          if (!get(reached, p) && !get(free, p)) {
            finding(p, "", "page is neither reachable nor in the freelist (leaked)");
          }
        }
      }
    }

    BoltReport report() {
      if (dirtySlack[0] > 0) {
        warnings.add(dirtySlack[0] + " page(s) have non-zero bytes right after their last value, where bbolt"
            + " writes zeros (pages " + dirtySlackExamples + (dirtySlack[0] > 10 ? ", ..." : "") + "): a key or value"
            + " length may have shrunk; the tree itself is consistent");
      }
      long reachable = 0;
      for (int i = 0; i < reached.length(); i++) {
        reachable += Long.bitCount(reached.get(i));
      }
      long freeCount;
      if (free != null) {
        freeCount = 0;
        for (long word : free) {
          freeCount += Long.bitCount(word);
        }
      } else {
        freeCount = Math.max(0, hwm - reachable);
      }
      synchronized (findings) {
        return new BoltReport(file, size, ps, sel.meta0(), sel.meta1(), meta, hwm, reachable, freeCount,
            totals[0].get(), totals[1].get(), totals[2].get(), List.copyOf(findings), omitted.get(),
            List.copyOf(warnings));
      }
    }

    // ---------------------------------------------------------------- freelist

    private void readFreelist() throws IOException {
      long fl = meta.freelist();
      if (fl < 2 || fl >= hwm) {
        finding(fl, "", "freelist page id " + fl + " is outside [2, " + hwm + ") (high-water mark)");
        return;
      }
      if (fl >= pages) {
        finding(fl, "", "freelist page lies past the end of the file (" + size + " bytes)");
        return;
      }
      ByteBuffer b = mw.at(fl * ps, PAGE_HEADER);
      int base = MappedWindows.base(fl * ps);
      if (Pages.id(b, base) != fl) {
        finding(fl, "", "freelist page header holds id " + Pages.id(b, base));
        return;
      }
      if (Pages.flags(b, base) != FREELIST) {
        finding(fl, "", "page the meta names as freelist is a " + BoltFormat.flagsName(Pages.flags(b, base)) + " page");
        return;
      }
      long ov = Pages.overflow(b, base);
      if (fl + ov >= pages) {
        finding(fl, "", "freelist of " + (ov + 1) + " pages runs past the high-water mark or the end of the file");
        return;
      }
      if (!markReached(fl, ov, false)) {
        return;
      }
      long len = (ov + 1) * ps;
      b = mw.at(fl * ps, len);
      if (b == null) {
        finding(fl, "", "freelist of " + len + " bytes is too large to map");
        return;
      }
      base = MappedWindows.base(fl * ps);
      long count = Pages.count(b, base);
      int ids = base + PAGE_HEADER;
      if (count == FREELIST_COUNT_OVERFLOW) {
        count = b.getLong(ids);
        ids += 8;
      }
      if (count < 0 || ids - base + count * 8 > len) {
        finding(fl, "", "freelist count " + count + " does not fit in its " + (ov + 1) + " page(s)");
        return;
      }
      region(Region.HEADER, fl * ps, ids - base);
      region(Region.FREELIST, fl * ps + (ids - base), count * 8);
      for (long i = 0; i < count; i++) {
        long id = b.getLong(ids + (int) (i * 8));
        if (id < 2 || id >= hwm) {
          finding(fl, "", "freelist entry " + i + " is page id " + id + ", outside [2, " + hwm + ")");
        } else if (id < pages) {
          if (get(free, id)) {
            finding(fl, "", "page " + id + " is listed twice in the freelist");
          }
          set(free, id);
        }
      }
    }

    // ---------------------------------------------------------------- tree walk

    /**
     * Visits the subtree rooted at {@code pgid} (a bucket's root, or a subtree handed to another
     * thread), reading its root on its own. All its keys must lie in [lo, hi) (null buffer =
     * unbounded), which the parent branch element keys impose.
     */
    private void walkSingle(long pgid, int depth, ByteBuffer loB, int loOff, int loLen, ByteBuffer hiB, int hiOff,
        int hiLen) throws IOException {
      if (depth > MAX_DEPTH) {
        finding(pgid, path(), "tree deeper than " + MAX_DEPTH + " levels");
        return;
      }
      if (!inRange(pgid)) {
        return;
      }
      ByteBuffer rb = readRun(depth, pgid, 1);
      enter(rb, 0, 1, pgid, depth, loB, loOff, loLen, hiB, hiOff, hiLen);
    }

    /** Whether a page id can be read at all; a finding when not. */
    private boolean inRange(long pgid) {
      if (pgid < 2 || pgid >= hwm) {
        finding(pgid, path(), "page id is outside [2, " + hwm + ") (high-water mark)");
        return false;
      }
      if (pgid >= pages) {
        finding(pgid, path(), "page lies past the end of the file (" + size + " bytes)");
        return false;
      }
      return true;
    }

    /**
     * Checks the header of the node at {@code pgid}, whose first {@code avail} pages are in
     * {@code b} from {@code base}; reads the rest through the mapping when the node is longer; then
     * walks it.
     */
    private void enter(ByteBuffer b, int base, long avail, long pgid, int depth, ByteBuffer loB, int loOff,
        int loLen, ByteBuffer hiB, int hiOff, int hiLen) throws IOException {
      long id = Pages.id(b, base);
      int flags = Pages.flags(b, base);
      long ov = Pages.overflow(b, base);
      if (id != pgid) {
        finding(pgid, path(), "page header holds id " + id + " (a stale or misplaced page)");
        return;
      }
      if (flags != BRANCH && flags != LEAF) {
        finding(pgid, path(), "page is a " + BoltFormat.flagsName(flags) + " page where a branch or leaf belongs");
        return;
      }
      if (pgid + ov >= hwm || pgid + ov >= pages) {
        finding(pgid, path(), "node with " + ov + " overflow pages runs past the "
            + (pgid + ov >= hwm ? "high-water mark " + hwm : "end of the file"));
        return;
      }
      if (!markReached(pgid, ov, true)) {
        return;
      }
      long off = pgid * ps;
      long len = (ov + 1) * ps;
      if (ov + 1 > avail) {
        b = mw.at(off, len);
        if (b == null) {
          finding(pgid, path(), "node of " + len + " bytes is too large to map");
          return;
        }
        base = MappedWindows.base(off);
      }
      overflowPages += ov;
      if (flags == BRANCH) {
        branch(b, base, base + (int) len, pgid, off, ov, depth, loB, loOff, loLen, hiB, hiOff, hiLen);
      } else {
        leaf(b, base, base + (int) len, pgid, off, ov, false, depth, loB, loOff, loLen, hiB, hiOff, hiLen);
      }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Read buffers of one walker: per tree depth, a buffer for runs of sibling pages and an array
     * for sorting the children of a branch. Nodes of depth d live in the depth-d buffer while their
     * subtrees are walked, so keys of ancestors stay valid without copying.
     */
    private static final class Buffers {
      final ByteBuffer[] pages = new ByteBuffer[MAX_DEPTH + 2];
      final long[][] kids = new long[MAX_DEPTH + 2][];
    }

    private Buffers buffers() {
      if (bufs == null) {
        bufs = bufferPool.poll();
        if (bufs == null) {
          bufs = new Buffers();
        }
      }
      return bufs;
    }

    private void releaseBuffers() {
      if (bufs != null) {
        bufferPool.offer(bufs);
        bufs = null;
      }
    }

    /** Reads pages [first, first + n) into the depth's buffer (n <= runPages). */
    private ByteBuffer readRun(int depth, long first, int n) throws IOException {
      Buffers s = buffers();
      ByteBuffer b = s.pages[depth];
      if (b == null) {
        b = ByteBuffer.allocateDirect(runPages * ps).order(ByteOrder.LITTLE_ENDIAN);
        s.pages[depth] = b;
      }
      b.limit(n * ps).position(0);
      fill(b, first * ps);
      return b;
    }

    /** Appends pages [from, to) to a run that starts at page {@code first}. */
    private void readMore(ByteBuffer b, long first, long from, long to) throws IOException {
      b.limit((int) ((to - first) * ps)).position((int) ((from - first) * ps));
      fill(b, from * ps);
    }

    private void fill(ByteBuffer b, long pos) throws IOException {
      while (b.hasRemaining()) {
        int n = ch.read(b, pos);
        if (n < 0) {
          throw new EOFException(file + ": ended at offset " + pos + " while reading pages (did it shrink?)");
        }
        pos += n;
      }
    }

    private long[] kids(int depth, int n) {
      Buffers s = buffers();
      long[] k = s.kids[depth];
      if (k == null || k.length < n) {
        k = new long[Math.max(n, 128)];
        s.kids[depth] = k;
      }
      return k;
    }

    /**
     * Marks pgid..pgid+ov reached; false (with a finding) if any was reached before or is free.
     * The bucket path is only built for a finding: this runs for every page.
     */
    private boolean markReached(long pgid, long ov, boolean inTree) {
      if (free == null && ov < 64 && (pgid >>> 6) == ((pgid + ov) >>> 6)) {
        // The whole node in one bitset word (almost every node): one atomic update.
        long bits = (ov == 63 ? -1L : (1L << (ov + 1)) - 1) << pgid;
        if (setAll(reached, (int) (pgid >>> 6), bits)) {
          return true;
        }
      }
      for (long p = pgid; p <= pgid + ov; p++) {
        if (!testAndSet(reached, p)) {
          finding(pgid, inTree ? path() : "", (p == pgid ? "page" : "overflow page " + p + " of this node")
              + " is reached a second time (two parents, or a cycle)");
          return false;
        }
      }
      boolean ok = true;
      for (long p = pgid; p <= pgid + ov && free != null; p++) {
        if (get(free, p)) {
          finding(pgid, inTree ? path() : "", (p == pgid ? "page" : "overflow page " + p + " of this node")
              + " is reachable but listed in the freelist");
          ok = false;
        }
      }
      return ok;
    }

    private void branch(ByteBuffer b, int base, int end, long pgid, long fileOff, long ov, int depth,
        ByteBuffer loB, int loOff, int loLen, ByteBuffer hiB, int hiOff, int hiLen) throws IOException {
      int count = Pages.count(b, base);
      region(Region.HEADER, fileOff, PAGE_HEADER);
      if (count == 0) {
        finding(pgid, path(), "branch page has no elements");
        return;
      }
      long tableEnd = (long) base + PAGE_HEADER + (long) count * ELEMENT;
      if (tableEnd > end) {
        finding(pgid, path(), "element table of " + count + " elements runs past the node (" + (end - base) + " bytes)");
        return;
      }
      region(Region.ELEMENTS, fileOff + PAGE_HEADER, (long) count * ELEMENT);
      long expect = tableEnd;
      int prevOff = -1;
      int prevLen = 0;
      for (int i = 0; i < count; i++) {
        int e = Pages.elem(base, i);
        long start = e + Pages.branchPos(b, e);
        long ks = Pages.branchKsize(b, e);
        if (start != expect) {
          finding(pgid, path(), "element " + i + ": key at node offset " + (start - base) + ", expected "
              + (expect - base) + " (bbolt packs keys right after the element table)");
          return;
        }
        if (ks == 0 || start + ks > end) {
          finding(pgid, path(), "element " + i + ": key of " + ks + " bytes at node offset " + (start - base)
              + (ks == 0 ? " is empty" : " runs past the node (" + (end - base) + " bytes)"));
          return;
        }
        int k = (int) start;
        region(Region.KEY, fileOff + (k - base), ks);
        if (!keyInOrder(b, k, (int) ks, i, prevOff, prevLen, pgid, loB, loOff, loLen, hiB, hiOff, hiLen)) {
          return;
        }
        prevOff = k;
        prevLen = (int) ks;
        expect = start + ks;
      }
      if (!sizeMatchesPages(expect - base, ov, pgid)) {
        return;
      }
      region(Region.SLACK, fileOff + (expect - base), end - expect);
      slack(b, (int) expect, end, pgid);
      children(b, base, count, depth, hiB, hiOff, hiLen);
    }

    /**
     * Walks the children of a branch in page order rather than key order (each child's bounds come
     * from this branch, so order does not matter): children stored next to each other, the common
     * case, are read with one positional read per run of up to {@link #RUN_BYTES} and checked while
     * the bytes are in the cache. Scattered children are read through the mapping instead. The
     * first levels hand branch children to other threads.
     */
    private void children(ByteBuffer b, int base, int count, int depth, ByteBuffer hiB, int hiOff, int hiLen)
        throws IOException {
      long[] kids = kids(depth, count);
      int m = 0;
      for (int i = 0; i < count; i++) {
        long child = Pages.branchChild(b, Pages.elem(base, i));
        if (inRange(child)) {
          kids[m++] = (child << 16) | i;
        }
      }
      java.util.Arrays.sort(kids, 0, m);
      int runs = 0;
      for (int j = 0; j < m; j = runEnd(kids, j, m)) {
        runs++;
      }
      boolean scattered = m >= 8 && runs * 2 > m;
      boolean fork = pool != null && forkLevel < FORK_LEVELS && m > 1;
      List<ForkJoinTask<?>> tasks = fork ? new ArrayList<>() : null;
      for (int j = 0; j < m; ) {
        int k = scattered ? j + 1 : runEnd(kids, j, m);
        long first = kids[j] >>> 16;
        long last = kids[k - 1] >>> 16;
        ByteBuffer rb;
        long runEnd;
        if (scattered) {
          rb = mw.at(first * ps, PAGE_HEADER);
          runEnd = first + 1;
        } else {
          runEnd = last + 1;
          rb = readRun(depth + 1, first, (int) (runEnd - first));
          // Pull in the overflow pages of the run's nodes too, while they fit.
          long want = runEnd;
          for (int t = j; t < k; t++) {
            long c = kids[t] >>> 16;
            int cb = (int) ((c - first) * ps);
            if (Pages.id(rb, cb) == c) {
              want = Math.max(want, Math.min(c + Pages.overflow(rb, cb) + 1, first + runPages));
            }
          }
          want = Math.min(want, pages);
          if (want > runEnd) {
            readMore(rb, first, runEnd, want);
            runEnd = want;
          }
        }
        for (int t = j; t < k; t++) {
          long c = kids[t] >>> 16;
          int i = (int) (kids[t] & 0xffff);
          int e = Pages.elem(base, i);
          int kOff = e + (int) Pages.branchPos(b, e);
          int ks = (int) Pages.branchKsize(b, e);
          ByteBuffer nHiB = hiB;
          int nHiOff = hiOff;
          int nHiLen = hiLen;
          if (i + 1 < count) {
            int e2 = Pages.elem(base, i + 1);
            nHiB = b;
            nHiOff = e2 + (int) Pages.branchPos(b, e2);
            nHiLen = (int) Pages.branchKsize(b, e2);
          }
          int cb = scattered ? MappedWindows.base(c * ps) : (int) ((c - first) * ps);
          if (fork && Pages.id(rb, cb) == c && Pages.flags(rb, cb) == BRANCH) {
            Walker sub = new Walker(this);
            ByteBuffer hb = nHiB;
            int ho = nHiOff;
            int hl = nHiLen;
            tasks.add(ForkJoinTask.adapt(() -> {
              try {
                sub.walkSingle(c, depth + 1, b, kOff, ks, hb, ho, hl);
              } catch (IOException ex) {
                throw new UncheckedIOException(ex);
              } finally {
                sub.releaseBuffers();
                sub.flushCounters();
              }
            }));
            continue;
          }
          enter(rb, cb, runEnd - c, c, depth + 1, b, kOff, ks, nHiB, nHiOff, nHiLen);
          if (enoughFindings()) {
            return; // enough to condemn the file; stop spending time on it
          }
        }
        j = k;
      }
      if (fork && !tasks.isEmpty()) {
        ForkJoinTask.invokeAll(tasks);
      }
    }

    /** End (exclusive) of the run of children starting at index j of the sorted ids. */
    private int runEnd(long[] kids, int j, int m) {
      long first = kids[j] >>> 16;
      long end = first + 1;
      int k = j + 1;
      while (k < m) {
        long p = kids[k] >>> 16;
        if (p >= end && (p - end > RUN_GAP || p + 1 - first > runPages)) {
          break;
        }
        end = Math.max(end, p + 1); // a page named twice stays in the run; its second visit is reported
        k++;
      }
      return k;
    }

    private boolean enoughFindings() {
      return omitted.get() > 0;
    }

    private void leaf(ByteBuffer b, int base, int end, long pgid, long fileOff, long ov, boolean inline,
        int depth, ByteBuffer loB, int loOff, int loLen, ByteBuffer hiB, int hiOff, int hiLen) throws IOException {
      int count = Pages.count(b, base);
      if (inline) {
        region(Region.INLINE_UNUSED, fileOff, 8);
        region(Region.HEADER, fileOff + 8, 4);
        region(Region.INLINE_UNUSED, fileOff + 12, 4);
      } else {
        region(Region.HEADER, fileOff, PAGE_HEADER);
      }
      long tableEnd = (long) base + PAGE_HEADER + (long) count * ELEMENT;
      if (tableEnd > end) {
        finding(pgid, path(), (inline ? "inline bucket page: " : "") + "element table of " + count
            + " elements runs past the node (" + (end - base) + " bytes)");
        return;
      }
      region(Region.ELEMENTS, fileOff + PAGE_HEADER, (long) count * ELEMENT);
      boolean etcdKeys = pathDepth == 1 && isName(pathBuf[0], pathOff[0], pathLen[0], RevisionReader.KEY_BUCKET);
      long expect = tableEnd;
      int prevOff = -1;
      int prevLen = 0;
      for (int i = 0; i < count; i++) {
        int e = Pages.elem(base, i);
        long start = e + Pages.leafPos(b, e);
        long ks = Pages.leafKsize(b, e);
        long vs = Pages.leafVsize(b, e);
        int fl = Pages.leafFlags(b, e);
        if (start != expect) {
          finding(pgid, path(), (inline ? "inline bucket page: " : "") + "element " + i + ": key at node offset "
              + (start - base) + ", expected " + (expect - base) + " (bbolt packs keys and values right after the"
              + " element table)");
          return;
        }
        if (ks == 0 || start + ks + vs > end) {
          finding(pgid, path(), (inline ? "inline bucket page: " : "") + "element " + i + ": key of " + ks
              + " bytes and value of " + vs + " bytes at node offset " + (start - base)
              + (ks == 0 ? ": the key is empty" : " run past the node (" + (end - base) + " bytes)"));
          return;
        }
        int k = (int) start;
        int v = k + (int) ks;
        region(Region.KEY, fileOff + (k - base), ks);
        if (!keyInOrder(b, k, (int) ks, i, prevOff, prevLen, pgid, loB, loOff, loLen, hiB, hiOff, hiLen)) {
          return;
        }
        prevOff = k;
        prevLen = (int) ks;
        expect = start + ks + vs;
        if (fl == BUCKET_LEAF) {
          bucket(b, k, (int) ks, v, (int) vs, pgid, fileOff + (v - base), depth);
        } else if (fl != 0) {
          finding(pgid, path(), "element " + i + " has unknown flags 0x" + Integer.toHexString(fl));
        } else {
          keys++;
          region(Region.VALUE, fileOff + (v - base), vs);
          if (pathDepth == 0) {
            finding(pgid, path(), "element " + i + " (" + name(b, k, (int) ks)
                + ") is a plain key in the root bucket, which holds only buckets");
          } else if (etcdKeys) {
            etcdRevision(b, k, (int) ks, v, (int) vs, pgid, i);
          }
        }
      }
      if (!inline && !sizeMatchesPages(expect - base, ov, pgid)) {
        return;
      }
      if (inline && expect != end) {
        // bbolt sizes an inline bucket's value to exactly the bucket header plus its node.
        finding(pgid, path(), "inline bucket page content ends at byte " + (expect - base) + " of its "
            + (end - base) + "-byte value (a damaged length)");
        return;
      }
      region(Region.SLACK, fileOff + (expect - base), end - expect);
      if (!inline) {
        slack(b, (int) expect, end, pgid);
      }
    }

    /**
     * bbolt writes every node from a zeroed buffer, so the bytes right after its last value are
     * zero. Non-zero bytes there mean the last element's key or value length shrank (damage); only
     * the first {@link #SLACK_PROBE} bytes are looked at, because bbolt never reads unused space, so
     * damage further in is harmless, and scanning it all would cost a third of the check. A warning,
     * not a finding: a db carried over from a very old writer might differ, and a false alarm would
     * survive every restore (snapshots copy pages verbatim).
     */
    private void slack(ByteBuffer b, int from, int to, long pgid) {
      if (to - from >= SLACK_PROBE) {
        if ((b.getLong(from) | b.getLong(from + 8)) != 0) {
          dirtySlack(pgid);
        }
        return;
      }
      for (int p = from; p < to; p++) {
        if (b.get(p) != 0) {
          dirtySlack(pgid);
          return;
        }
      }
    }

    private void dirtySlack(long pgid) {
      synchronized (dirtySlack) {
        if (dirtySlack[0]++ < 10) {
          dirtySlackExamples.append(dirtySlack[0] > 1 ? ", " : "").append(pgid);
        }
      }
    }

    private void bucket(ByteBuffer b, int k, int ks, int v, int vs, long pgid, long valueFileOff, int depth)
        throws IOException {
      if (vs < BUCKET_HEADER) {
        finding(pgid, path(), "bucket " + name(b, k, ks) + " has a value of " + vs + " bytes, less than the "
            + BUCKET_HEADER + "-byte bucket header");
        return;
      }
      if (pathDepth >= MAX_DEPTH) {
        finding(pgid, path(), "buckets nested deeper than " + MAX_DEPTH);
        return;
      }
      buckets++;
      region(Region.BUCKET_ROOT, valueFileOff, 8);
      region(Region.BUCKET_SEQUENCE, valueFileOff + 8, 8);
      long root = b.getLong(v);
      pathBuf[pathDepth] = b;
      pathOff[pathDepth] = k;
      pathLen[pathDepth] = ks;
      pathDepth++;
      try {
        if (root != 0) {
          walkSingle(root, depth + 1, null, 0, 0, null, 0, 0);
          return;
        }
        // An inline bucket: its single leaf page image follows the bucket header in the value.
        int ib = v + BUCKET_HEADER;
        int iend = v + vs;
        if (iend - ib < PAGE_HEADER) {
          finding(pgid, path(), "inline bucket value of " + vs + " bytes is too short for its page header");
          return;
        }
        int flags = Pages.flags(b, ib);
        if (flags != LEAF) {
          finding(pgid, path(), "inline bucket page is a " + BoltFormat.flagsName(flags) + " page, expected leaf");
          return;
        }
        leaf(b, ib, iend, pgid, valueFileOff + BUCKET_HEADER, 0, true, depth + 1, null, 0, 0, null, 0, 0);
      } finally {
        pathDepth--;
        pathBuf[pathDepth] = null;
      }
    }

    private boolean keyInOrder(ByteBuffer b, int k, int ks, int i, int prevOff, int prevLen, long pgid,
        ByteBuffer loB, int loOff, int loLen, ByteBuffer hiB, int hiOff, int hiLen) {
      if (prevOff >= 0 && Pages.compare(b, prevOff, prevLen, b, k, ks) >= 0) {
        finding(pgid, path(), "key " + i + " (" + name(b, k, ks) + ") is not greater than key " + (i - 1) + " ("
            + name(b, prevOff, prevLen) + "): keys out of order");
        return false;
      }
      // bbolt sets a branch element's key to its child's first key whenever it writes the child,
      // and relies on it (it finds the element to update by that key), so they must be equal.
      if (i == 0 && loB != null && Pages.compare(b, k, ks, loB, loOff, loLen) != 0) {
        finding(pgid, path(), "first key (" + name(b, k, ks) + ") differs from the parent's key for this page ("
            + name(loB, loOff, loLen) + "): a stale or misplaced page");
        return false;
      }
      if (hiB != null && Pages.compare(b, k, ks, hiB, hiOff, hiLen) >= 0) {
        finding(pgid, path(), "key " + i + " (" + name(b, k, ks) + ") is not below the next sibling's key ("
            + name(hiB, hiOff, hiLen) + ")");
        return false;
      }
      return true;
    }

    /**
     * bbolt allocates a node exactly the pages its bytes need (ceil(size / pageSize), or
     * size / pageSize + 1 in older versions), so a wrong overflow count shows as a size mismatch.
     */
    private boolean sizeMatchesPages(long used, long ov, long pgid) {
      if (used < ov * ps || used > (ov + 1) * ps) {
        finding(pgid, path(), "node content is " + used + " bytes but the node occupies " + (ov + 1)
            + " pages of " + ps + " bytes (overflow count wrong)");
        return false;
      }
      return true;
    }

    /**
     * etcd's "key" bucket: key = 8-byte main revision, '_', 8-byte sub revision (+ 't' for a
     * tombstone); value = mvccpb.KeyValue. etcd unmarshals every value at start and panics on a bad
     * one, so the framing is checked here (the bytes inside key and value fields are not).
     */
    private void etcdRevision(ByteBuffer b, int k, int ks, int v, int vs, long pgid, int i) {
      boolean tombstone = ks == 18 && b.get(k + 17) == 't';
      if ((ks != 17 && !tombstone) || b.get(k + 8) != '_') {
        finding(pgid, path(), "key " + i + " (" + name(b, k, ks) + ") is not an etcd revision"
            + " (8-byte main, '_', 8-byte sub, optional 't')");
        return;
      }
      long main = Long.reverseBytes(b.getLong(k));
      int p = v;
      int end = v + vs;
      long modRevision = -1;
      String bad = null;
      while (p < end && bad == null) {
        long tag = 0;
        int shift = 0;
        int start = p;
        while (true) {
          if (p >= end || shift > 28) {
            bad = "truncated or oversized field tag at value offset " + (start - v);
            break;
          }
          int c = b.get(p++) & 0xff;
          tag |= (long) (c & 0x7f) << shift;
          shift += 7;
          if (c < 0x80) {
            break;
          }
        }
        if (bad != null) {
          break;
        }
        int field = (int) (tag >>> 3);
        int wire = (int) (tag & 7);
        boolean lenField = field == 1 || field == 5;
        boolean varField = field == 2 || field == 3 || field == 4 || field == 6;
        if (field == 0 || (lenField && wire != 2) || (varField && wire != 0)) {
          bad = "field " + field + " with wire type " + wire + " at value offset " + (start - v);
          break;
        }
        switch (wire) {
          case 0 -> {
            long val = 0;
            int s = 0;
            while (true) {
              if (p >= end || s > 63) {
                bad = "truncated varint of field " + field;
                break;
              }
              int c = b.get(p++) & 0xff;
              val |= (long) (c & 0x7f) << s;
              s += 7;
              if (c < 0x80) {
                break;
              }
            }
            if (field == 3) {
              modRevision = val;
            }
          }
          case 1 -> p += 8;
          case 5 -> p += 4;
          case 2 -> {
            long len = 0;
            int s = 0;
            while (true) {
              if (p >= end || s > 35) {
                bad = "truncated length of field " + field;
                break;
              }
              int c = b.get(p++) & 0xff;
              len |= (long) (c & 0x7f) << s;
              s += 7;
              if (c < 0x80) {
                break;
              }
            }
            if (bad == null && len > end - p) {
              bad = "field " + field + " of " + len + " bytes runs past the value";
            }
            p += (int) Math.min(len, end - p);
          }
          default -> bad = "wire type " + wire + " at value offset " + (start - v);
        }
      }
      if (bad == null && p != end) {
        bad = "the last field runs past the value";
      }
      if (bad != null) {
        finding(pgid, path(), "key " + i + " (revision " + main + "): value is not a KeyValue protobuf: " + bad);
      } else if (!tombstone && modRevision != main) {
        finding(pgid, path(), "key " + i + " (revision " + main + ") holds a KeyValue with mod_revision "
            + modRevision);
      }
    }

    // ---------------------------------------------------------------- helpers

    private void region(Region r, long fileOffset, long length) {
      if (layout != null && length > 0) {
        layout.region(r, fileOffset, length);
      }
    }

    private void finding(long pgid, String where, String problem) {
      synchronized (findings) {
        if (findings.size() >= maxFindings) {
          omitted.incrementAndGet();
          return;
        }
        findings.add(new BoltFinding(pgid, where, problem));
      }
    }

    private String path() {
      if (pathDepth == 0) {
        return "(root)";
      }
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < pathDepth; i++) {
        if (i > 0) {
          s.append('/');
        }
        s.append(name(pathBuf[i], pathOff[i], pathLen[i]));
      }
      return s.toString();
    }

    private static boolean isName(ByteBuffer b, int off, int len, byte[] name) {
      return len == name.length && Pages.compare(b, off, len, name) == 0;
    }

    /** A key for a message: printable ASCII as is, anything else (etcd revisions) in hex. */
    static String name(ByteBuffer b, int off, int len) {
      int n = Math.min(len, 64);
      boolean printable = true;
      for (int i = 0; i < n; i++) {
        byte c = b.get(off + i);
        if (c < 0x20 || c > 0x7e) {
          printable = false;
          break;
        }
      }
      byte[] bytes = Pages.bytes(b, off, n);
      String s = printable ? new String(bytes, java.nio.charset.StandardCharsets.US_ASCII)
          : "0x" + HexFormat.of().formatHex(bytes);
      return len > n ? s + "...(" + len + " bytes)" : s;
    }

    private static boolean get(long[] bits, long i) {
      return (bits[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    private static void set(long[] bits, long i) {
      bits[(int) (i >>> 6)] |= 1L << i;
    }

    /** Sets bit i; false when it was already set (another path reached the page first). */
    private static boolean testAndSet(AtomicLongArray bits, long i) {
      int w = (int) (i >>> 6);
      long bit = 1L << i;
      while (true) {
        long old = bits.get(w);
        if ((old & bit) != 0) {
          return false;
        }
        if (bits.compareAndSet(w, old, old | bit)) {
          return true;
        }
      }
    }

    /** Sets {@code mask} in word w if none of its bits was set; false (nothing changed) otherwise. */
    private static boolean setAll(AtomicLongArray bits, int w, long mask) {
      while (true) {
        long old = bits.get(w);
        if ((old & mask) != 0) {
          return false;
        }
        if (bits.compareAndSet(w, old, old | mask)) {
          return true;
        }
      }
    }

    private static boolean get(AtomicLongArray bits, long i) {
      return (bits.get((int) (i >>> 6)) & (1L << i)) != 0;
    }
  }
}
