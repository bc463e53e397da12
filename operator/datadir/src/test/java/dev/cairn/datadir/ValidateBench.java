package dev.cairn.datadir;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cairn.datadir.bbolt.BoltChecker;
import dev.cairn.datadir.bbolt.BoltReport;
import dev.cairn.datadir.bbolt.DbRevision;
import dev.cairn.datadir.bbolt.RevisionReader;
import dev.cairn.datadir.validation.DataDirValidator;
import dev.cairn.datadir.validation.ValidationMode;
import dev.cairn.datadir.validation.ValidationReport;
import dev.cairn.testkit.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.PutResponse;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The validation benchmark run by {@code hack/bench-validate.sh}: not a test.
 *
 * <pre>
 * generate DIR BYTES   write keys shaped like Kubernetes objects into a real etcd until its db is
 *                      at least BYTES, then stop it cleanly (data dir DIR/m0.etcd)
 * measure DATA_DIR     in this JVM: sequential read of the db (the physical limit), full check,
 *                      revision read, full data-dir validation, peak heap
 * </pre>
 */
public final class ValidateBench {

  private ValidateBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("generate")) {
      generate(Path.of(args[1]), Long.parseLong(args[2]));
    } else if (args.length == 2 && args[0].equals("measure")) {
      measure(Path.of(args[1]));
    } else {
      System.err.println("usage: ValidateBench generate DIR BYTES | measure DATA_DIR");
      System.exit(2);
    }
  }

  static void generate(Path dir, long bytes) throws Exception {
    Path db = dir.resolve("m0.etcd/member/snap/db");
    if (Files.exists(db) && Files.size(db) >= bytes) {
      System.out.printf("reusing %s (%d MiB)%n", db, Files.size(db) >> 20);
      return;
    }
    dev.cairn.testkit.TestDirs.deleteRecursively(dir);
    long t0 = System.nanoTime();
    Random rnd = new Random(1);
    byte[] value = new byte[8192];
    rnd.nextBytes(value);
    try (EtcdCluster etcd = EtcdCluster.builder(dir).members(1)
        .flag("quota-backend-bytes", Long.toString(8L << 30)).flag("snapshot-count", "50000").start();
        Client c = etcd.client()) {
      KV kv = c.getKVClient();
      Deque<CompletableFuture<PutResponse>> inflight = new ArrayDeque<>();
      long n = 0;
      long rev = 0;
      while (true) {
        // Objects of 0.5 to 6 KiB over 200k names: most writes add a revision, a fifth overwrite.
        long id = n % 5 == 4 ? rnd.nextInt((int) Math.max(1, Math.min(n, 200_000))) : n;
        String key = String.format("/registry/pods/ns-%03d/pod-%08d", id % 300, id);
        int len = 512 + rnd.nextInt(6 * 1024 - 512);
        int from = rnd.nextInt(value.length - len);
        inflight.add(kv.put(ByteSequence.from(key, UTF_8), ByteSequence.from(Arrays.copyOfRange(value, from, from + len))));
        if (inflight.size() >= 256) {
          rev = inflight.poll().get(60, TimeUnit.SECONDS).getHeader().getRevision();
        }
        n++;
        if (n % 20_000 == 0) {
          long size = Files.size(db);
          System.out.printf("  %d puts, revision %d, db %d MiB%n", n, rev, size >> 20);
          if (size >= bytes) {
            break;
          }
        }
      }
      for (CompletableFuture<PutResponse> f : inflight) {
        f.get(60, TimeUnit.SECONDS);
      }
      int code = etcd.member(0).stop();
      System.out.printf("generated %s: %d MiB in %.0f s (etcd exit %d)%n", db, Files.size(db) >> 20,
          (System.nanoTime() - t0) / 1e9, code);
    }
  }

  static void measure(Path dataDir) throws Exception {
    Path db = dataDir.resolve("member/snap/db");
    long size = Files.size(db);
    System.out.printf(Locale.ROOT, "db %s: %.1f MiB, max heap %d MiB, %d CPUs%n", db, size / 1048576.0,
        Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

    // The revision read first, while this JVM has loaded none of the reader's classes: the cold
    // figure is what an agent pays on its first snapshot.
    resetPeaks();
    long t0 = System.nanoTime();
    DbRevision r = RevisionReader.read(db);
    double cold = (System.nanoTime() - t0) / 1e6;
    double[] rev = new double[200];
    for (int i = 0; i < rev.length; i++) {
      long t = System.nanoTime();
      RevisionReader.read(db);
      rev[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(rev);

    // Warm the page cache, then alternate the two measurements so a busy neighbour slows both
    // alike; keep the best of each.
    sequentialRead(db);
    int threads = Runtime.getRuntime().availableProcessors();
    double seq = Double.MAX_VALUE;
    double check = Double.MAX_VALUE;
    double check1 = Double.MAX_VALUE;
    BoltReport report = null;
    resetPeaks();
    for (int i = 0; i < 11; i++) {
      seq = Math.min(seq, sequentialRead(db));
      long t = System.nanoTime();
      report = BoltChecker.check(db, 100, threads);
      check = Math.min(check, (System.nanoTime() - t) / 1e9);
      t = System.nanoTime();
      BoltChecker.check(db, 100, 1);
      check1 = Math.min(check1, (System.nanoTime() - t) / 1e9);
    }
    long checkHeap = peakHeap();
    if (!report.ok()) {
      throw new IllegalStateException("the benchmark db is not clean: " + report.findings());
    }

    resetPeaks();
    long t = System.nanoTime();
    ValidationReport full = DataDirValidator.validate(dataDir, ValidationMode.FULL, "benchmark", OptionalLong.empty());
    double fullSecs = (System.nanoTime() - t) / 1e9;
    long fullHeap = peakHeap();

    double mib = size / 1048576.0;
    System.out.printf(Locale.ROOT, "sequential read      %8.3f s  %8.0f MiB/s%n", seq, mib / seq);
    System.out.printf(Locale.ROOT, "full db check        %8.3f s  %8.0f MiB/s  = %3.0f%% of sequential read  (%d threads;"
        + " %d reachable pages, %d keys)%n", check, mib / check, 100 * seq / check, threads,
        report.reachablePages(), report.keys());
    System.out.printf(Locale.ROOT, "full db check        %8.3f s  %8.0f MiB/s  = %3.0f%% of sequential read  (1 thread)%n",
        check1, mib / check1, 100 * seq / check1);
    System.out.printf(Locale.ROOT, "revision read        cold %.1f ms, then median %.3f ms, max %.3f ms over %d reads"
        + "  (revision %d)%n", cold, rev[rev.length / 2], rev[rev.length - 1], rev.length, r.revision());
    System.out.printf(Locale.ROOT, "full validation      %8.3f s  (db + WAL + .snap + cross-file; outcome %s)%n",
        fullSecs, full.outcome().kind());
    System.out.printf(Locale.ROOT, "peak heap            %d MiB during the checks, %d MiB during full validation"
        + " (limit %d MiB)%n", checkHeap >> 20, fullHeap >> 20, Runtime.getRuntime().maxMemory() >> 20);
  }

  /** Seconds to read the whole file through a 1 MiB direct buffer. */
  static double sequentialRead(Path f) throws Exception {
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    long t = System.nanoTime();
    long sum = 0;
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      while (ch.read(buf) >= 0) {
        sum += buf.position();
        buf.clear();
      }
    }
    if (sum != Files.size(f)) {
      throw new IllegalStateException("short read");
    }
    return (System.nanoTime() - t) / 1e9;
  }

  static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      p.resetPeakUsage();
    }
  }

  /** Sum of the heap pools' peak usage since the last reset. */
  static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
