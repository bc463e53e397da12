package dev.cairn.agent.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link S3Store} against a real S3 API (S3Proxy, filesystem backend), including the traps of that
 * server: its recursive listing holds directory markers ({@code a/}) and is not sorted by key.
 */
class S3StoreTrapsIT {

  private static final int MIB = 1024 * 1024;
  private static S3Server s3;
  private static MinioClient raw;

  @BeforeAll
  static void start() {
    s3 = S3Server.start(TestDirs.create(S3StoreTrapsIT.class, "s3"));
    raw = MinioClient.builder().endpoint(s3.endpoint().toString()).region(S3Server.REGION)
        .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).build();
  }

  @AfterAll
  static void stop() throws Exception {
    raw.close();
    s3.close();
  }

  private static S3Store store(String bucket, String prefix, S3Store.Tuning tuning) throws Exception {
    String url = "s3://" + bucket + "/" + prefix + "?endpoint=" + s3.endpoint() + "&region=us-east-1";
    return new S3Store(StoreUrl.parse(url).s3().orElseThrow(),
        S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY), tuning);
  }

  /** 5 MiB parts (S3's minimum), 2 in flight, ranges of 5 MiB above a 5 MiB single-copy limit. */
  private static S3Store.Tuning small(long singleCopyLimit) {
    return new S3Store.Tuning(5 * MIB, 2, singleCopyLimit, 5L * MIB, Duration.ofMinutes(1));
  }

  private static void rawPut(String bucket, String key, byte[] data) throws Exception {
    raw.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
        .stream(new ByteArrayInputStream(data), data.length, -1).build());
  }

  private static List<String> rawKeys(String bucket, String prefix) throws Exception {
    List<String> keys = new ArrayList<>();
    for (Result<Item> r : raw.listObjects(
        ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
      keys.add(r.get().objectName());
    }
    return keys;
  }

  /** Every file S3Proxy keeps for a bucket (objects, parts of multipart uploads), directories aside. */
  private static List<String> filesOnDisk(String bucket) throws Exception {
    java.nio.file.Path root = s3.baseDir().resolve(bucket);
    try (var files = java.nio.file.Files.walk(root)) {
      return files.filter(java.nio.file.Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  private static void awaitQuietDisk(String bucket) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    java.util.Map<String, Long> last = Map.of();
    while (true) {
      java.util.Map<String, Long> now = new java.util.TreeMap<>();
      java.nio.file.Path root = s3.baseDir().resolve(bucket);
      for (String f : filesOnDisk(bucket)) {
        now.put(f, java.nio.file.Files.size(root.resolve(f)));
      }
      if (now.size() > 1 && now.equals(last)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the staged upload's parts never settled on S3Proxy's disk: " + now);
      }
      last = now;
      Thread.sleep(300);
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] read(BackupStore store, String name) throws Exception {
    try (InputStream in = store.get(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void pagesAreSortedAndSkipMarkersTemporariesAndOtherPrefixes() throws Exception {
    String bucket = s3.createBucket();
    List<String> names = new ArrayList<>(IntStream.range(0, 23).mapToObj(i -> String.format("%04d-snap", i * 7 % 23)).toList());
    Collections.shuffle(names, new Random(4));
    for (String n : names) {
      rawPut(bucket, "p/" + n, n.getBytes());
    }
    rawPut(bucket, "p/a/", new byte[0]); // a directory marker, as consoles and some tools create them
    rawPut(bucket, "p/sub/0000-nested", new byte[1]);
    rawPut(bucket, "p/archive/restore-1/0000-archived", new byte[1]);
    rawPut(bucket, "p/archive/", new byte[0]);
    rawPut(bucket, "p/.hidden", new byte[1]);
    rawPut(bucket, "p/.tmp/member-1", new byte[1]);
    rawPut(bucket, "pp/0000-other-prefix", new byte[1]);
    rawPut(bucket, "q/0000-other", new byte[1]);

    // The traps are real on this server: markers are listed, and the order is not the key order.
    List<String> rawListing = rawKeys(bucket, "p/");
    assertTrue(rawListing.stream().anyMatch(k -> k.endsWith("/")), "S3Proxy lists directory markers: " + rawListing);
    List<String> sortedRaw = new ArrayList<>(rawListing);
    Collections.sort(sortedRaw);
    assertNotEquals(sortedRaw, rawListing, "S3Proxy's recursive listing came back sorted; the trap is gone");

    try (S3Store store = store(bucket, "p", S3Store.Tuning.defaults())) {
      List<String> paged = new ArrayList<>();
      String after = null;
      int pages = 0;
      while (true) {
        StorePage page = store.list(after, 4);
        pages++;
        assertTrue(page.objects().size() <= 4);
        page.objects().forEach(o -> paged.add(o.name()));
        if (page.nextStartAfter().isEmpty()) {
          break;
        }
        after = page.nextStartAfter().get();
        assertTrue(pages < 100, "paging does not end");
      }
      List<String> expected = new ArrayList<>(names);
      Collections.sort(expected);
      assertEquals(expected, paged);
      assertEquals(6, pages);
      assertEquals(expected, store.listAll().stream().map(StoredObject::name).toList());
      assertEquals(List.of(), store.list(expected.get(expected.size() - 1), 4).objects());
      assertEquals(List.of(".tmp/member-1"), store.listTemporary().stream().map(StoredObject::name).toList());
      assertThrows(IllegalArgumentException.class, () -> store.list(null, 0));
    }
  }

  @Test
  void aFileIsStoredByOneUnsignedPutWithItsMetadata() throws Exception {
    String bucket = s3.createBucket();
    java.nio.file.Path dir = TestDirs.create(S3StoreTrapsIT.class, "fileput");
    byte[] data = new byte[7 * MIB + 123];
    new Random(3).nextBytes(data);
    java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("f"), data);
    java.nio.file.Path empty = java.nio.file.Files.write(dir.resolve("e"), new byte[0]);
    try (S3Store store = store(bucket, "ns/x", S3Store.Tuning.defaults())) {
      store.put("obj", file, Map.of("cairn-kind", "Full"));
      store.put("empty", empty, Map.of());
      try (InputStream in = store.get("obj")) {
        assertArrayEquals(data, in.readAllBytes());
      }
      assertEquals(0, store.stat("empty").orElseThrow().size());
      var stat = raw.statObject(StatObjectArgs.builder().bucket(bucket).object("ns/x/obj").build());
      assertEquals("Full", stat.userMetadata().get("cairn-kind"));
    }
  }

  @Test
  void aFilePutWithWrongCredentialsFailsWithS3sReasonAndNoSecret() throws Exception {
    String bucket = s3.createBucket();
    java.nio.file.Path dir = TestDirs.create(S3StoreTrapsIT.class, "fileput-denied");
    // A small body is sent at once; a large one waits for 100 Continue, and gets the refusal instead.
    java.nio.file.Path small = java.nio.file.Files.write(dir.resolve("small"), new byte[1000]);
    java.nio.file.Path large = java.nio.file.Files.write(dir.resolve("large"), new byte[48 * MIB]);
    String url = "s3://" + bucket + "/p?endpoint=" + s3.endpoint() + "&region=us-east-1";
    try (S3Store store = new S3Store(StoreUrl.parse(url).s3().orElseThrow(),
        S3Credentials.of(S3Server.ACCESS_KEY, "wrong-secret-98765"))) {
      for (java.nio.file.Path file : List.of(small, large)) {
        StoreException e = assertThrows(StoreException.class, () -> store.put("obj", file, Map.of()));
        assertTrue(e.getMessage().contains("put obj on s3://" + bucket + "/p"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
        assertTrue(!e.getMessage().contains("wrong-secret") && !e.getMessage().contains("Signature="), e.getMessage());
      }
    }
    assertTrue(store(bucket, "p", S3Store.Tuning.defaults()).stat("obj").isEmpty(), "nothing stored");
  }

  @Test
  void aStagedUploadIsInvisibleUntilPublishedThenCarriesItsMetadata() throws Exception {
    String bucket = s3.createBucket();
    byte[] data = random(12 * MIB + 12345, 1);
    try (S3Store store = store(bucket, "ns/c", small(S3Store.MAX_SINGLE_COPY))) {
      String temp;
      try (BackupStore.StagedUpload up = store.stage("8e9e05c52164694d")) {
        temp = up.temporaryName();
        assertTrue(temp.startsWith(".tmp/8e9e05c52164694d-"), temp);
        OutputStream out = up.stream();
        for (int off = 0; off < data.length; off += 100_000) {
          out.write(data, off, Math.min(100_000, data.length - off));
        }
        assertEquals(List.of(), store.listAll(), "nothing visible while parts upload");
        assertEquals(data.length, up.finish());
      }
      assertEquals(List.of(), store.listAll(), "a finished temporary is still invisible");
      assertTrue(store.listTemporary().stream().anyMatch(t -> t.name().equals(temp)), store.listTemporary().toString());
      assertTrue(Temporaries.ownedBy(temp, "8e9e05c52164694d"));
      store.publish(temp, "0000000000000000042-full-x.db", data.length, Map.of("cairn-end-revision", "42"));
      // A retry after a client-side timeout finds the copy the server finished meanwhile: nothing to do.
      store.publish(temp, "0000000000000000042-full-x.db", data.length, Map.of("cairn-end-revision", "42"));
      assertEquals(List.of("0000000000000000042-full-x.db"), store.listAll().stream().map(StoredObject::name).toList());
      assertArrayEquals(data, read(store, "0000000000000000042-full-x.db"));
      var stat = raw.statObject(StatObjectArgs.builder().bucket(bucket).object("ns/c/0000000000000000042-full-x.db").build());
      assertEquals("42", stat.userMetadata().get("cairn-end-revision"), stat.userMetadata().toString());
      store.deleteTemporary(temp);
      store.deleteTemporary(temp); // a missing temporary is fine
      assertEquals(List.of(), store.listTemporary());
      assertEquals(List.of("ns/c/0000000000000000042-full-x.db"), rawKeys(bucket, "ns/").stream()
          .filter(k -> !k.endsWith("/")).toList());
    }
  }

  @Test
  void publishingAboveTheSingleCopyLimitCopiesRangesInParts() throws Exception {
    String bucket = s3.createBucket();
    byte[] data = random(12 * MIB + 7, 2);
    try (S3Store store = store(bucket, "r", small(5L * MIB))) {
      BackupStore.StagedUpload up = store.stage("m1");
      up.stream().write(data);
      long size = up.finish();
      store.publish(up.temporaryName(), "big.db", size, Map.of("cairn-kind", "Full"));
      assertArrayEquals(data, read(store, "big.db"));
      var stat = raw.statObject(StatObjectArgs.builder().bucket(bucket).object("r/big.db").build());
      assertEquals("Full", stat.userMetadata().get("cairn-kind"));
      assertThrows(StoreException.class, () -> store.publish(up.temporaryName(), "wrong.db", size + 1, Map.of()),
          "a size that does not match is refused");
      store.deleteTemporary(up.temporaryName());
    }
  }

  @Test
  void smallAndEmptyStagedUploadsAreSinglePuts() throws Exception {
    String bucket = s3.createBucket();
    try (S3Store store = store(bucket, "s", small(S3Store.MAX_SINGLE_COPY))) {
      for (int size : new int[] {0, 1, 5 * MIB - 1, 5 * MIB}) {
        byte[] data = random(size, size);
        BackupStore.StagedUpload up = store.stage("m");
        up.stream().write(data);
        assertEquals(size, up.finish());
        store.publish(up.temporaryName(), "f" + size, size, Map.of());
        store.deleteTemporary(up.temporaryName());
        assertArrayEquals(data, read(store, "f" + size), "size " + size);
      }
      assertEquals(List.of(), store.listTemporary());
    }
  }

  @Test
  void anAbortedOrAbandonedStagedUploadLeavesNothing() throws Exception {
    String bucket = s3.createBucket();
    try (S3Store store = store(bucket, "a", small(S3Store.MAX_SINGLE_COPY))) {
      BackupStore.StagedUpload up = store.stage("m");
      up.stream().write(random(11 * MIB, 3)); // two parts sent, one buffered
      up.abort();
      assertThrows(java.io.IOException.class, () -> up.stream().write(1));
      assertEquals(List.of(), store.listAll());
      assertEquals(List.of(), store.listTemporary());
      assertEquals(List.of(), filesOnDisk(bucket), "aborted parts are gone from the server");

      // A crashed writer: parts uploaded, never completed nor aborted. S3Proxy cannot list incomplete
      // multipart uploads (501), so the upload ID kept beside the temporary is what finds them.
      BackupStore.StagedUpload crashed = store.stage("m");
      crashed.stream().write(random(11 * MIB, 4));
      // A crashed writer has no part in flight; this one still may. S3Proxy's filesystem backend
      // cannot abort while a part is half written (it parses the part's temporary file name and
      // answers 400), so wait until the parts on disk stop changing, as they would after a crash.
      awaitQuietDisk(bucket);
      List<StoredObject> temps = store.listTemporary();
      assertEquals(List.of(crashed.temporaryName()), temps.stream().map(StoredObject::name).toList(),
          "an incomplete multipart upload is listed as a temporary");
      assertEquals(List.of(), store.listAll());
      assertTrue(filesOnDisk(bucket).size() > 1, "the crashed upload's parts are on disk: " + filesOnDisk(bucket));
      store.deleteTemporary(crashed.temporaryName());
      assertEquals(List.of(), store.listTemporary());
      assertEquals(List.of(), store.listAll());
      assertEquals(List.of(), filesOnDisk(bucket), "the crashed upload's parts are gone from the server");
    }
  }
}
