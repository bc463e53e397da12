package dev.cairn.datadir;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.EtcdMember;
import dev.cairn.testkit.Etcdctl;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.PutResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Data directories and snapshots written by real etcd, built once per test JVM and copied by the
 * tests that damage them. Nothing here is synthesised: every byte comes from etcd.
 */
public final class EtcdDataSets {

  /**
   * @param dataDir a clean-stopped data dir (--data-dir, with member/ below it)
   * @param revision the store revision after the last write
   * @param compactRevision the revision compacted at
   * @param snapshotEtcdctl {@code etcdctl snapshot save} output (db + sha256 trailer)
   * @param snapshotJetcd the same through jetcd's Maintenance.snapshot
   * @param snapshotRevision the revision when the snapshots were taken
   */
  public record Small(
      Path dataDir,
      long revision,
      long compactRevision,
      Path snapshotEtcdctl,
      Path snapshotJetcd,
      long snapshotRevision,
      Path repairedDataDir,
      Path killedDataDir,
      long killedAckedRevision) {}

  /** A data dir whose WAL has several segment files (values of ~1 MiB force the cuts). */
  public record MultiWal(Path dataDir, long revision) {}

  private static Small small;
  private static MultiWal multiWal;

  private EtcdDataSets() {}

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  /**
   * Thousands of keys, overwrites, deletes, a compaction, a value larger than a page (overflow
   * pages), several .snap files (--snapshot-count 500), snapshots by etcdctl and jetcd. Also a
   * copy whose torn WAL tail etcd repaired itself, and one left by SIGKILL.
   */
  public static synchronized Small small() {
    if (small != null) {
      return small;
    }
    Path dir = TestDirs.create(EtcdDataSets.class, "small");
    Random rnd = new Random(42);
    try (EtcdCluster etcd = EtcdCluster.builder(dir.resolve("cluster")).members(1).flag("snapshot-count", "500").start()) {
      EtcdMember m = etcd.member(0);
      long rev;
      long compactRev;
      long snapRev;
      Path snapCtl = dir.resolve("snapshot-etcdctl.db");
      Path snapJetcd = dir.resolve("snapshot-jetcd.db");
      try (Client c = etcd.client()) {
        KV kv = c.getKVClient();
        putMany(kv, "key/", 3000, 40, 300, rnd);
        putMany(kv, "key/", 500, 40, 300, rnd); // overwrites: older revisions stay until compaction
        for (int i = 0; i < 3000; i += 7) {
          kv.delete(bs(String.format("key/%06d", i))).get(10, TimeUnit.SECONDS);
        }
        compactRev = kv.put(bs("marker/compact"), bs("x")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        kv.compact(compactRev).get(30, TimeUnit.SECONDS);
        byte[] big = new byte[40_000];
        rnd.nextBytes(big);
        kv.put(bs("big/value"), ByteSequence.from(big)).get(10, TimeUnit.SECONDS);
        rev = putMany(kv, "after/", 300, 20, 100, rnd);
        snapRev = rev;
        Etcdctl.run(Duration.ofSeconds(60), "--endpoints=" + etcd.endpoints(), "snapshot", "save", snapCtl.toString());
        try (OutputStream out = Files.newOutputStream(snapJetcd)) {
          c.getMaintenanceClient().snapshot(out).get(60, TimeUnit.SECONDS);
        }
      }
      int code = m.stop();
      if (code != 143 && code != 0) {
        throw new IllegalStateException("etcd did not stop cleanly: exit " + code + "\n" + m.logTail(30));
      }
      Path clean = dir.resolve("clean");
      copyTree(m.dataDir(), clean);

      // A torn write at the WAL tail: a frame header announcing a record whose bytes never made it
      // (the preallocated zeros follow). etcd truncates it at start and keeps a .broken copy.
      Path lastWal = lastWal(m.dataDir());
      long end = endOfRecords(lastWal);
      try (FileChannel ch = FileChannel.open(lastWal, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
        if (ch.size() < end + 8 + 4096) {
          throw new IllegalStateException("WAL " + lastWal + " has no preallocated room after offset " + end);
        }
        ByteBuffer hdr = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 2000);
        ch.write(hdr, end);
      }
      m.start().awaitHealthy(Duration.ofSeconds(30));
      int code2 = m.stop();
      String logs = m.logs();
      if (!logs.contains("repair")) {
        throw new IllegalStateException("expected etcd to repair the torn WAL tail (exit " + code2 + "):\n" + m.logTail(40));
      }
      Path repaired = dir.resolve("repaired");
      copyTree(m.dataDir(), repaired);

      // A crash in the middle of writes. The backend commits only every hour or on a snapshot
      // here, so the db lags the WAL by every write of this run: etcd replays them at start.
      long ackedRev;
      m.start("--backend-batch-interval=1h", "--backend-batch-limit=1000000", "--snapshot-count=1000000")
          .awaitHealthy(Duration.ofSeconds(30));
      try (Client c = etcd.client()) {
        KV kv = c.getKVClient();
        List<CompletableFuture<PutResponse>> inflight = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          inflight.add(kv.put(bs("crash/" + i), bs("v" + i)));
        }
        ackedRev = inflight.get(200).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        m.kill();
      }
      Path killed = dir.resolve("killed");
      copyTree(m.dataDir(), killed);
      small = new Small(clean, rev, compactRev, snapCtl, snapJetcd, snapRev, repaired, killed, ackedRev);
      return small;
    } catch (Exception e) {
      throw new IllegalStateException("building the small etcd data set in " + dir + " failed", e);
    }
  }

  /** Enough ~1 MiB values to fill more than one 64 MB WAL segment. */
  public static synchronized MultiWal multiWal() {
    if (multiWal != null) {
      return multiWal;
    }
    Path dir = TestDirs.create(EtcdDataSets.class, "multiwal");
    Random rnd = new Random(7);
    try (EtcdCluster etcd = EtcdCluster.builder(dir.resolve("cluster")).members(1).flag("snapshot-count", "40").start()) {
      EtcdMember m = etcd.member(0);
      long rev = 0;
      try (Client c = etcd.client()) {
        KV kv = c.getKVClient();
        byte[] v = new byte[1_000_000];
        for (int i = 0; i < 80; i++) {
          rnd.nextBytes(v);
          rev = kv.put(bs(String.format("blob/%03d", i % 20)), ByteSequence.from(v)).get(30, TimeUnit.SECONDS)
              .getHeader().getRevision();
        }
        rev = putMany(kv, "small/", 200, 10, 50, rnd);
      }
      m.stop();
      Path clean = dir.resolve("clean");
      copyTree(m.dataDir(), clean);
      try (Stream<Path> s = Files.list(clean.resolve("member/wal"))) {
        long wals = s.filter(p -> p.toString().endsWith(".wal")).count();
        if (wals < 2) {
          throw new IllegalStateException("expected several WAL files in " + clean + ", found " + wals);
        }
      }
      multiWal = new MultiWal(clean, rev);
      return multiWal;
    } catch (Exception e) {
      throw new IllegalStateException("building the multi-WAL etcd data set in " + dir + " failed", e);
    }
  }

  /** Puts {@code n} keys with random values, 64 in flight; returns the revision of the last one. */
  public static long putMany(KV kv, String prefix, int n, int minLen, int maxLen, Random rnd) throws Exception {
    List<CompletableFuture<PutResponse>> inflight = new ArrayList<>();
    long rev = 0;
    for (int i = 0; i < n; i++) {
      byte[] v = new byte[minLen + rnd.nextInt(maxLen - minLen + 1)];
      rnd.nextBytes(v);
      inflight.add(kv.put(bs(String.format("%s%06d", prefix, i)), ByteSequence.from(v)));
      if (inflight.size() >= 64) {
        for (CompletableFuture<PutResponse> f : inflight) {
          rev = Math.max(rev, f.get(30, TimeUnit.SECONDS).getHeader().getRevision());
        }
        inflight.clear();
      }
    }
    for (CompletableFuture<PutResponse> f : inflight) {
      rev = Math.max(rev, f.get(30, TimeUnit.SECONDS).getHeader().getRevision());
    }
    return rev;
  }

  public static Path lastWal(Path dataDir) throws IOException {
    try (Stream<Path> s = Files.list(dataDir.resolve("member/wal"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  /** Offset just past the last record of a WAL file: frames until a zero length field. */
  public static long endOfRecords(Path wal) throws IOException {
    try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      long off = 0;
      while (true) {
        b.clear();
        if (ch.read(b, off) < 8) {
          return off;
        }
        long lenField = b.getLong(0);
        if (lenField == 0) {
          return off;
        }
        long len = lenField & 0x00FFFFFFFFFFFFFFL;
        long pad = lenField < 0 ? (lenField >>> 56) & 0x7 : 0;
        off += 8 + len + pad;
      }
    }
  }

  /** Copies a tree (regular files and directories). */
  public static void copyTree(Path from, Path to) {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
    }
  }
}
