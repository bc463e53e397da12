package dev.cairn.datadir.bbolt;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.datadir.CorruptFileException;
import dev.cairn.datadir.Damage;
import dev.cairn.datadir.EtcdDataSets;
import dev.cairn.testkit.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Random single-byte damage inside the reachable pages of a real etcd db. Each flip must be
 * reported (a finding or a warning) or provably harmless, and the checker (and the revision reader)
 * must neither throw anything but a corruption report nor hang.
 *
 * <p>Harmless means the tree is still exactly what bbolt wrote except for payload: bytes of a
 * value, a bucket's sequence counter, the fields of an inline page header bbolt never reads, unused
 * space after a node's last value (never read; its first bytes are checked, and a flip there shows
 * as a warning), or the bytes of a key whose new value still sorts strictly between its neighbours
 * (verified here, with this test's own parser). bbolt keeps no checksum over data pages, so such payload changes are
 * invisible to any format check; etcd's cross-member hash check exists for them.
 *
 * <p>One more class is counted, and named in the summary, rather than hidden: a flip in a page id
 * (a bucket root, a branch child) that lands exactly on the start of another intact node of that
 * bucket: an older copy of the subtree that a freed page still holds, or a node further down the
 * same tree (the pages in between are orphaned). The result is a consistent tree, with older or
 * fewer keys, that no check can tell apart without per-page checksums or a stored freelist (etcd
 * stores none): see docs/datadir.md, "Limits". The test verifies the redirect is exactly that.
 */
class BoltFlipPropertyIT {

  static final int FLIPS = Integer.getInteger("cairn.flips", 3000);
  static final long BUDGET_MILLIS = 120_000;
  /** Regions whose bytes are data or never read: changing them leaves the tree as bbolt wrote it. */
  static final Set<String> PAYLOAD = Set.of("VALUE", "BUCKET_SEQUENCE", "INLINE_UNUSED", "SLACK");

  @Test
  void randomFlipsInReachablePagesAreReportedOrHarmless() throws Exception {
    Path dir = TestDirs.create(BoltFlipPropertyIT.class, "flips");
    Path db = dir.resolve("db");
    Files.copy(EtcdDataSets.small().dataDir().resolve("member/snap/db"), db);
    DbLayout layout = DbLayout.read(db);
    List<DbLayout.Region> regions = new ArrayList<>(layout.regions());
    // The meta pages' checksummed part: damage there must show as a warning (the other meta is used).
    regions.add(new DbLayout.Region("META", 16, 56));
    regions.add(new DbLayout.Region("META", layout.pageSize + 16L, 56));
    long[] cumulative = new long[regions.size()];
    long total = 0;
    for (int i = 0; i < regions.size(); i++) {
      total += regions.get(i).length();
      cumulative[i] = total;
    }
    long seed = Long.getLong("cairn.flips.seed", System.nanoTime());
    Random rnd = new Random(seed);
    Map<String, int[]> tally = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    ExecutorService ex = Executors.newSingleThreadExecutor();
    long deadline = System.currentTimeMillis() + BUDGET_MILLIS;
    int done = 0;
    try {
      for (; done < FLIPS && System.currentTimeMillis() < deadline && failures.size() < 20; done++) {
        long pick = (long) (rnd.nextDouble() * total);
        int ri = Arrays.binarySearch(cumulative, pick + 1);
        ri = ri < 0 ? -ri - 1 : ri;
        DbLayout.Region r = regions.get(ri);
        long off = r.offset() + (pick - (cumulative[ri] - r.length()));
        int mask = 1 + rnd.nextInt(255);
        Damage.xor(db, off, mask);
        try {
          Future<BoltReport> check = ex.submit(() -> BoltChecker.check(db));
          Future<Object> rev = ex.submit(() -> {
            try {
              return RevisionReader.read(db);
            } catch (CorruptFileException e) {
              return e;
            }
          });
          BoltReport report;
          try {
            report = check.get(20, TimeUnit.SECONDS);
            rev.get(20, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            fail("hang: check of a flip at offset " + off + " (" + r.kind() + ") did not finish in 20 s (seed " + seed + ")");
            return;
          } catch (java.util.concurrent.ExecutionException e) {
            failures.add("crash at offset " + off + " (" + r.kind() + ", mask " + mask + "): " + e.getCause());
            continue;
          }
          String verdict;
          if (!report.ok()) {
            verdict = "finding";
          } else if (!report.warnings().isEmpty()) {
            verdict = "warning";
          } else if (PAYLOAD.contains(r.kind())) {
            verdict = "payload";
          } else if (r.kind().equals("KEY") && keyStillInOrder(layout, off)) {
            verdict = "key-in-order";
          } else if (redirectedToIntactNode(layout, r, off)) {
            verdict = "redirected-page-id";
          } else {
            verdict = "UNREPORTED";
            failures.add("unreported flip at offset " + off + " (page " + off / layout.pageSize + ", " + r.kind()
                + " region at " + r.offset() + "+" + r.length() + ", mask 0x" + Integer.toHexString(mask)
                + ", u64 at region start now " + Damage.readLong(db, r.offset()) + ", report " + report + ")");
          }
          tally.computeIfAbsent(r.kind() + "/" + verdict, k -> new int[1])[0]++;
        } finally {
          Damage.xor(db, off, mask);
        }
      }
    } finally {
      ex.shutdownNow();
    }
    StringBuilder summary = new StringBuilder(done + " flips, seed " + seed + ":");
    tally.forEach((k, v) -> summary.append(' ').append(k).append('=').append(v[0]));
    System.out.println(summary);
    assertTrue(failures.isEmpty(), summary + "\n" + String.join("\n", failures));
    assertTrue(done >= Math.min(FLIPS, 200), "too few flips in the time budget: " + summary);
  }

  /**
   * The flipped byte is in a page id field (bucket root or branch child) that now names a different
   * page which was either free or a node of the same bucket in the clean file.
   */
  private static boolean redirectedToIntactNode(DbLayout layout, DbLayout.Region r, long off) throws Exception {
    long field;
    String bucket = null;
    if (r.kind().equals("BUCKET_ROOT")) {
      field = r.offset();
      for (DbLayout.Node n : layout.nodes) {
        if (n.refOffset() == field) {
          bucket = n.bucket();
        }
      }
    } else if (r.kind().equals("ELEMENTS")) {
      DbLayout.Node holder = null;
      for (DbLayout.Node n : layout.nodes) {
        if (off >= n.base() && off < n.base() + n.length() && (holder == null || n.length() < holder.length())) {
          holder = n;
        }
      }
      if (holder == null || !holder.branch() || (off - holder.base() - 16) % 16 < 8) {
        return false;
      }
      field = off - (off - holder.base() - 16) % 16 + 8;
      bucket = holder.bucket();
    } else {
      return false;
    }
    long target = Damage.readLong(layout.file, field);
    if (target < 2 || target >= layout.meta.highWaterMark()) {
      return false;
    }
    for (DbLayout.Node n : layout.nodes) {
      if (!n.inline() && target >= n.pgid() && target <= n.pgid() + n.overflow()) {
        // Reachable before: only a node start inside the same bucket's tree can go unnoticed.
        return target == n.pgid() && n.bucket().equals(bucket) && n.refOffset() != field;
      }
    }
    return true; // a free page holding an intact older node
  }

  /** Independent check: the key holding {@code off} still sorts strictly between its neighbours. */
  private static boolean keyStillInOrder(DbLayout layout, long off) throws Exception {
    DbLayout.Node holder = null;
    for (DbLayout.Node n : layout.nodes) {
      if (off >= n.base() && off < n.base() + n.length() && (holder == null || n.length() < holder.length())) {
        holder = n;
      }
    }
    if (holder == null) {
      return false;
    }
    List<long[]> keys = layout.keys(holder);
    for (int i = 0; i < keys.size(); i++) {
      long[] k = keys.get(i);
      if (off >= k[0] && off < k[0] + k[1]) {
        byte[] key = Damage.read(layout.file, k[0], (int) k[1]);
        if (i > 0) {
          byte[] prev = Damage.read(layout.file, keys.get(i - 1)[0], (int) keys.get(i - 1)[1]);
          if (Arrays.compareUnsigned(prev, key) >= 0) {
            return false;
          }
        }
        if (i + 1 < keys.size()) {
          byte[] next = Damage.read(layout.file, keys.get(i + 1)[0], (int) keys.get(i + 1)[1]);
          if (Arrays.compareUnsigned(key, next) >= 0) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }
}
