package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.gc.GarbageCollector;
import dev.cairn.agent.gc.LimitBasedPolicy;
import dev.cairn.agent.store.DelegatingStore;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.LocalStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StorePage;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.agent.util.Backoff;
import dev.cairn.datadir.bbolt.RevisionReader;
import dev.cairn.datadir.snap.SnapshotTrailer;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The full snapshot pipelines against real etcd and S3: stream once into the spool; revision from the
 * content; then either one upload under the final name (plain content to S3) or, concurrently with
 * the stream, a staged upload copied to the final name (compressed or encrypted, and directories);
 * metadata after the object; temporaries deleted.
 */
class FullSnapshotPipelineIT {

  private static final int MIB = 1024 * 1024;
  private static final SourceInfo SOURCE = new SourceInfo("c1", "8e9e05c52164694d", "m-0", "3.4.23", null);
  private static Path dir;
  private static EtcdCluster etcd;
  private static Client client;
  private static S3Server s3;
  private static EtcdNode node;

  @BeforeAll
  static void start() throws Exception {
    dir = TestDirs.create(FullSnapshotPipelineIT.class, "shared");
    etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
    client = etcd.client();
    s3 = S3Server.start(dir.resolve("s3"));
    node = new EtcdNode(etcd.member(0).clientUrl(), Duration.ofSeconds(10));
    // About 24 MiB of db: several 5 MiB parts, with random values so compression cannot hide them.
    Random rnd = new Random(11);
    List<CompletableFuture<?>> puts = new ArrayList<>();
    for (int i = 0; i < 96; i++) {
      byte[] v = new byte[256 * 1024];
      rnd.nextBytes(v);
      puts.add(client.getKVClient().put(ByteSequence.from(("k" + i).getBytes()), ByteSequence.from(v)));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    node.close();
    client.close();
    s3.close();
    etcd.close();
  }

  private static S3Store s3Store(String bucket) throws Exception {
    String url = "s3://" + bucket + "/p?endpoint=" + s3.endpoint() + "&region=us-east-1";
    return new S3Store(StoreUrl.parse(url).s3().orElseThrow(), S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY),
        new S3Store.Tuning(5 * MIB, 2, S3Store.MAX_SINGLE_COPY, 1024L * MIB, Duration.ofMinutes(1)));
  }

  private static Backoff fastBackoff() {
    return new Backoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  private static FullSnapshotter snapshotter(BackupStore store, Compression c, EncryptionKey key, Path scratch) {
    SnapshotWriter w = new SnapshotWriter(store, c, key, scratch, fastBackoff());
    return new FullSnapshotter(node, w, RevisionSource.datadir(), scratch, Clock.systemUTC(), Duration.ofMinutes(2));
  }

  private static long revisionNow() throws Exception {
    return client.getKVClient().get(ByteSequence.from(new byte[] {0})).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  private static List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

  private static SnapshotMetadata take(FullSnapshotter f, BackupStore store) throws Exception {
    return f.take(SOURCE, false, () -> SnapshotCatalog.of(store.listAll()).newestEndRevision(), () -> true,
        failures::add);
  }

  /** Reads the stored snapshot back as the restorer would and checks it against its metadata. */
  private static void verifyStored(BackupStore store, SnapshotMetadata meta, EncryptionKey key, Path into)
      throws Exception {
    SnapshotName name = SnapshotName.parseObject(meta.object()).orElseThrow();
    MessageDigest stored = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(store.get(meta.object()), stored)) {
      assertEquals(meta.size(), in.transferTo(OutputStream.nullOutputStream()));
    }
    assertEquals(meta.sha256(), HexFormat.of().formatHex(stored.digest()));
    try (InputStream in = SnapshotWriter.openPlain(store, name, key)) {
      Files.copy(in, into);
    }
    assertEquals(meta.contentSha256(), SnapshotWriter.sha256Of(into));
    assertEquals(SnapshotTrailer.Status.VALID, SnapshotTrailer.verify(into).status());
    assertEquals(meta.endRevision(), RevisionReader.read(into).revision(), "the name's revision is the content's");
    try (InputStream in = store.get(name.metadataName())) {
      assertEquals(meta, SnapshotMetadata.fromJson(in.readAllBytes()));
    }
  }

  private static List<String> scratchFiles(Path scratch) throws IOException {
    try (var s = Files.list(scratch)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void s3CompressedAndEncryptedSnapshotIsVerifiedAndLeavesNoTemporary() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "s3");
    EncryptionKey key = EncryptionKey.of(new byte[32]);
    try (S3Store store = s3Store(s3.createBucket())) {
      long before = revisionNow();
      SnapshotMetadata meta = take(snapshotter(store, Compression.ZSTD, key, d.resolve("scratch")), store);
      assertTrue(meta.endRevision() >= before, meta.endRevision() + " < " + before);
      assertEquals(Compression.ZSTD, meta.compression());
      assertEquals(key.id(), meta.encryptionKeyId());
      assertTrue(meta.object().endsWith(".db.zst.enc"), meta.object());
      verifyStored(store, meta, key, d.resolve("back.db"));
      assertEquals(List.of(meta.object(), SnapshotName.parseObject(meta.object()).orElseThrow().metadataName()),
          store.listAll().stream().map(StoredObject::name).toList());
      assertEquals(List.of(), store.listTemporary());
      assertEquals(List.of(), scratchFiles(d.resolve("scratch")), "the spool is deleted");
    }
  }

  @Test
  void plainSnapshotToS3IsUploadedOnceUnderItsFinalNameAfterTheStream() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "s3plain");
    try (S3Store real = s3Store(s3.createBucket())) {
      // Records what the pipeline asks of the store: no temporary, no copy, the object before its metadata.
      List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
      BackupStore store = new DelegatingStore(real) {
        @Override
        public boolean publishRewrites() {
          return real.publishRewrites();
        }

        @Override
        public StagedUpload stage(String owner) throws IOException {
          calls.add("stage");
          return real.stage(owner);
        }

        @Override
        public void publish(String temporary, String name, long size, Map<String, String> meta) throws IOException {
          calls.add("publish");
          real.publish(temporary, name, size, meta);
        }

        @Override
        public void put(String name, Path file, Map<String, String> meta) throws IOException {
          calls.add("put file " + name);
          real.put(name, file, meta);
        }

        @Override
        public void put(String name, InputStream data, long size, Map<String, String> meta) throws IOException {
          calls.add("put stream " + name);
          real.put(name, data, size, meta);
        }
      };
      long before = revisionNow();
      SnapshotMetadata meta = take(snapshotter(store, Compression.NONE, null, d.resolve("scratch")), real);
      SnapshotName name = SnapshotName.parseObject(meta.object()).orElseThrow();
      assertEquals(List.of("put file " + meta.object(), "put stream " + name.metadataName()), calls);
      assertTrue(meta.endRevision() >= before, meta.endRevision() + " < " + before);
      assertEquals(meta.sha256(), meta.contentSha256(), "plain: stored bytes are the content");
      verifyStored(real, meta, null, d.resolve("back.db"));
      assertEquals(List.of(meta.object(), name.metadataName()),
          real.listAll().stream().map(StoredObject::name).toList());
      assertEquals(List.of(), real.listTemporary());
      assertEquals(List.of(), scratchFiles(d.resolve("scratch")), "the spool is deleted");
      io.minio.MinioClient raw = io.minio.MinioClient.builder().endpoint(s3.endpoint().toString())
          .region(S3Server.REGION).credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).build();
      var stat = raw.statObject(io.minio.StatObjectArgs.builder().bucket(real.config().bucket())
          .object("p/" + meta.object()).build());
      assertEquals(meta.toUserMetadata(), stat.userMetadata().keySet().stream().collect(
          java.util.stream.Collectors.toMap(k -> k.toLowerCase(java.util.Locale.ROOT), k -> stat.userMetadata().get(k))),
          "the object carries the metadata as x-amz-meta-cairn-*");
      raw.close();
    }
  }

  @Test
  void theOverlappedPipelineStaysAvailableForComparisons() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "s3overlap");
    System.setProperty("cairn.full.upload", "overlap");
    try (S3Store store = s3Store(s3.createBucket())) {
      SnapshotMetadata meta = take(snapshotter(store, Compression.NONE, null, d.resolve("scratch")), store);
      verifyStored(store, meta, null, d.resolve("back.db"));
      assertEquals(List.of(), store.listTemporary());
    } finally {
      System.clearProperty("cairn.full.upload");
    }
  }

  @Test
  void plainSnapshotToADirectoryIsRenamedIntoPlace() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "local");
    LocalStore store = new LocalStore(d.resolve("store"));
    SnapshotMetadata meta = take(snapshotter(store, Compression.NONE, null, d.resolve("scratch")), store);
    assertEquals(meta.sha256(), meta.contentSha256(), "plain: stored bytes are the content");
    verifyStored(store, meta, null, d.resolve("back.db"));
    assertEquals(List.of(), store.listTemporary());
    try (var files = Files.list(d.resolve("store"))) {
      assertEquals(2, files.count(), "the object and its metadata, nothing else");
    }
  }

  @Test
  void aStaleMemberIsRefusedAndLeavesNothing() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "stale");
    try (S3Store store = s3Store(s3.createBucket())) {
      FullSnapshotter f = snapshotter(store, Compression.NONE, null, d.resolve("scratch"));
      StaleDataException e = assertThrows(StaleDataException.class,
          () -> f.take(SOURCE, false, () -> Long.MAX_VALUE / 2, () -> true, failures::add));
      assertTrue(e.getMessage().contains("refused"), e.getMessage());
      assertEquals(List.of(), store.listAll());
      assertEquals(List.of(), store.listTemporary(), "the staged upload is aborted or deleted");
      assertEquals(List.of(), scratchFiles(d.resolve("scratch")));
    }
  }

  @Test
  void aFormerLeaderIsFencedBeforeItsMetadata() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "fenced");
    try (S3Store store = s3Store(s3.createBucket())) {
      FullSnapshotter f = snapshotter(store, Compression.NONE, null, d.resolve("scratch"));
      assertThrows(Backoff.GaveUpException.class,
          () -> f.take(SOURCE, false, () -> 0L, () -> false, failures::add));
      assertEquals(List.of(), store.listAll(), "the copy is deleted again and no metadata written");
      assertEquals(List.of(), store.listTemporary());
    }
  }

  @Test
  void anUploadFailingDuringTheStreamIsRetriedFromTheSpool() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "retry");
    try (S3Store real = s3Store(s3.createBucket())) {
      AtomicInteger stages = new AtomicInteger();
      BackupStore flaky = new DelegatingStore(real) {
        @Override
        public StagedUpload stage(String owner) throws IOException {
          StagedUpload up = real.stage(owner);
          if (stages.incrementAndGet() > 1) {
            return up;
          }
          // The first upload breaks after 7 MiB: one part is stored, the rest never arrives.
          return new StagedUpload() {
            long written;

            @Override
            public String temporaryName() {
              return up.temporaryName();
            }

            @Override
            public OutputStream stream() {
              return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                  write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                  if ((written += len) > 7 * MIB) {
                    throw new IOException("connection reset by the store");
                  }
                  up.stream().write(b, off, len);
                }
              };
            }

            @Override
            public long finish() throws IOException {
              return up.finish();
            }

            @Override
            public void abort() {
              up.abort();
            }

            @Override
            public void close() {
              up.close();
            }
          };
        }
      };
      int failuresBefore = failures.size();
      SnapshotMetadata meta = take(snapshotter(flaky, Compression.GZIP, null, d.resolve("scratch")), real);
      assertEquals(2, stages.get(), "one failed upload, one retry from the spool");
      assertTrue(failures.size() > failuresBefore, "the failure was reported");
      verifyStored(real, meta, null, d.resolve("back.db"));
      assertEquals(List.of(), real.listTemporary());
    }
  }

  @Test
  void leftoversOfACrashedRunAreRemovedByTheMembersNextSnapshotOthersByGc() throws Exception {
    Path d = TestDirs.create(FullSnapshotPipelineIT.class, "leftovers");
    try (S3Store store = s3Store(s3.createBucket())) {
      // Two crashed staged uploads: this member's (parts sent, never completed), and another member's.
      BackupStore.StagedUpload mine = store.stage(SOURCE.etcdMemberId());
      mine.stream().write(new byte[6 * MIB]);
      BackupStore.StagedUpload other = store.stage("0ther");
      other.stream().write(new byte[100]);
      other.finish();
      assertEquals(2, store.listTemporary().size());
      take(snapshotter(store, Compression.NONE, null, d.resolve("scratch")), store);
      assertEquals(List.of(other.temporaryName()), store.listTemporary().stream().map(StoredObject::name).toList(),
          "this member's leftover is gone; another member's may still be uploading");
      GarbageCollector gc = new GarbageCollector(store, new LimitBasedPolicy(5), null, Duration.ZERO, Clock.offset(
          Clock.systemUTC(), Duration.ofSeconds(5)));
      assertEquals(1, gc.run().strays());
      assertEquals(List.of(), store.listTemporary());
      assertEquals(2, store.listAll().size(), "the snapshot itself stays");
    }
  }
}
