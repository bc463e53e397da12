package dev.cairn.controller.catalog;

import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.testkit.S3Server;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The catalog benchmark's store, in its own JVM: S3Proxy on a directory, filled with {@code N}
 * snapshots of Etcd {@code ns/bench} (a full snapshot every 10th, deltas between: object plus
 * metadata file each, as the agent writes them). Prints {@code s3=<endpoint> bucket=<name>} once
 * filled and runs until killed.
 *
 * <pre>CatalogBenchStore DIR SNAPSHOTS</pre>
 */
public final class CatalogBenchStore {

  private CatalogBenchStore() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    S3Server s3 = S3Server.start(dir);
    String bucket = s3.createBucket("bench");
    BackupStore store = StoredSnapshots.s3(s3, bucket, "ns", "bench").store;
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    AtomicLong done = new AtomicLong();
    Instant base = Instant.parse("2025-01-01T00:00:00Z");
    for (int i = 0; i < n; i++) {
      int k = i;
      pool.execute(() -> {
        try {
          boolean full = k % 10 == 0;
          long end = 100L * (k + 1);
          SnapshotName name = new SnapshotName(full ? SnapshotKind.FULL : SnapshotKind.DELTA, full ? 0 : end - 99, end,
              base.plusSeconds(20L * k), Compression.ZSTD, false);
          byte[] content = new byte[64];
          SnapshotMetadata m = new SnapshotMetadata(name.objectName(), name.kind(), name.startRevision(), end,
              name.created(), content.length, "0".repeat(64), "1".repeat(64), Compression.ZSTD, null, "c1a5c1a5", "1234",
              "bench-0", "3.5.17", "pbkdf2-sha256$210000$c2FsdA$aGFzaA", full ? 0 : 99, false);
          store.put(name.objectName(), new ByteArrayInputStream(content), content.length, Map.of());
          byte[] json = m.toJson();
          store.put(name.metadataName(), new ByteArrayInputStream(json), json.length, Map.of());
          long d = done.incrementAndGet();
          if (d % 5000 == 0) {
            System.err.println("stored " + d + " snapshots");
          }
        } catch (Exception e) {
          System.err.println("store failed: " + e);
          System.exit(1);
        }
      });
    }
    pool.shutdown();
    pool.awaitTermination(1, TimeUnit.HOURS);
    System.err.printf("stored %d snapshots (%d objects) in %.1f s%n", n, 2 * n, (System.nanoTime() - t0) / 1e9);
    System.out.println("s3=" + s3.endpoint() + " bucket=" + bucket);
    System.out.flush();
    Thread.currentThread().join();
  }
}
