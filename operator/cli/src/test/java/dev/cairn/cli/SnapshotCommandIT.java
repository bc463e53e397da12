package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.snapshot.DeltaEvent;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.Ports;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cairn snapshot} as the built jar in separate processes: exit codes and messages, results on
 * stdout and logs on stderr, one full and delta run against real etcd and S3Proxy, and a SIGKILL in
 * the middle of a full snapshot's upload.
 */
class SnapshotCommandIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, String> S3_ENV =
      Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** What one run printed and how it ended. */
  record Run(int code, String out, String err) {
    String describe() {
      return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + tail(err);
    }

    private static String tail(String s) {
      return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    }
  }

  static List<String> java(String... args) {
    Path jar = Path.of("target", "cairn.jar").toAbsolutePath();
    assertTrue(Files.exists(jar), "build the cli jar before integration tests: " + jar);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts the jar with stdout and stderr in files under {@code dir}. */
  static Process start(Path dir, String label, Map<String, String> env, String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(java(args))
        .redirectOutput(dir.resolve(label + ".out").toFile())
        .redirectError(dir.resolve(label + ".err").toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  static Run finish(Path dir, String label, Process p, Duration timeout) throws Exception {
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("cairn (" + label + ") did not finish within " + timeout + "; stderr:\n"
          + Files.readString(dir.resolve(label + ".err")));
    }
    return new Run(p.exitValue(), Files.readString(dir.resolve(label + ".out")),
        Files.readString(dir.resolve(label + ".err")));
  }

  private Run cairn(Path dir, String label, Map<String, String> env, String... args) throws Exception {
    Process p = start(dir, label, env, args);
    started.add(p);
    return finish(dir, label, p, Duration.ofMinutes(3));
  }

  static String s3Url(S3Server s3, String bucket) {
    return "s3://" + bucket + "/snaps?endpoint=" + s3.endpoint() + "&region=us-east-1";
  }

  static S3Store s3Store(S3Server s3, String bucket) throws IOException {
    return new S3Store(StoreUrl.parse(s3Url(s3, bucket)).s3().orElseThrow(),
        S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
  }

  /** Every line of stdout is part of one JSON document, and stderr carries the logs (JSON lines by default). */
  static JsonNode resultOnStdout(Run r) throws IOException {
    JsonNode doc = JSON.readTree(r.out());
    assertTrue(doc != null && doc.isObject(), "stdout is one JSON object:\n" + r.describe());
    assertFalse(r.out().contains("\"level\""), "log lines on stdout:\n" + r.describe());
    return doc;
  }

  static long revision(Client c) throws Exception {
    return c.getKVClient().get(ByteSequence.from(new byte[] {0})).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  static String[] snapshotArgs(String endpoint, String store, Path scratch, String... more) {
    List<String> a = new ArrayList<>(List.of("snapshot", "--endpoints=" + endpoint, "--store=" + store,
        "--scratch-dir=" + scratch));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void badFlagsAndUnreachableStoreOrEtcdExit2WithTheReason() throws Exception {
    Path dir = TestDirs.create(SnapshotCommandIT.class, "bad");
    Path scratch = dir.resolve("scratch");
    String local = dir.resolve("store").toUri().toString();
    String closed = "http://127.0.0.1:" + Ports.free();

    record Case(String label, String expect, String[] args) {}
    List<Case> cases = List.of(
        new Case("once", "--once must be full or delta, not sideways",
            snapshotArgs(closed, local, scratch, "--once=sideways")),
        new Case("period", "--delta-period", snapshotArgs(closed, local, scratch, "--delta-period=soon", "--once=full")),
        new Case("store-url", "--store", snapshotArgs(closed, "ftp://nowhere/x", scratch, "--once=full")),
        new Case("endpoints", "--endpoints", snapshotArgs("not a url", local, scratch, "--once=full")),
        new Case("no-store", "--store", new String[] {"snapshot", "--endpoints=" + closed, "--once=full"}),
        new Case("compression", "--compression", snapshotArgs(closed, local, scratch, "--compression=rar")));
    for (Case c : cases) {
      Run r = cairn(dir, c.label(), Map.of(), c.args());
      assertEquals(2, r.code(), c.label() + ": " + r.describe());
      assertTrue(r.err().contains(c.expect()), c.label() + ": stderr names the problem:\n" + r.describe());
      assertEquals("", r.out(), c.label() + ": nothing on stdout");
    }

    try (S3Server s3 = S3Server.start(dir.resolve("s3")); EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1)) {
      String endpoint = etcd.member(0).clientUrl().toString();
      Run noBucket = cairn(dir, "no-bucket", S3_ENV, snapshotArgs(endpoint, s3Url(s3, "missing-bucket"), scratch,
          "--once=full"));
      assertEquals(2, noBucket.code(), noBucket.describe());
      assertTrue(noBucket.err().contains("bucket missing-bucket does not exist"), noBucket.describe());

      Run storeDown = cairn(dir, "store-down", S3_ENV, snapshotArgs(endpoint,
          "s3://b/p?endpoint=" + closed + "&region=us-east-1", scratch, "--once=full"));
      assertEquals(2, storeDown.code(), storeDown.describe());
      assertTrue(storeDown.err().contains("cairn snapshot: the backup store does not answer"), storeDown.describe());
      assertFalse(storeDown.err().contains(S3Server.SECRET_KEY), "no secret in errors");

      Run etcdDown = cairn(dir, "etcd-down", Map.of(), snapshotArgs(closed, local, scratch, "--once=full"));
      assertEquals(2, etcdDown.code(), etcdDown.describe());
      assertTrue(etcdDown.err().contains("etcd at " + closed) && etcdDown.err().contains("Check --endpoints"),
          etcdDown.describe());
    }
  }

  @Test
  void onceFullThenOnceDeltaAgainstRealEtcdAndS3() throws Exception {
    Path dir = TestDirs.create(SnapshotCommandIT.class, "once");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client();
        S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      String bucket = s3.createBucket();
      String endpoint = etcd.member(0).clientUrl().toString();
      for (int i = 0; i < 20; i++) {
        c.getKVClient().put(ByteSequence.from("k" + i, StandardCharsets.UTF_8),
            ByteSequence.from("v" + i, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      }
      long fullRev = revision(c);
      Run full = cairn(dir, "full", S3_ENV, snapshotArgs(endpoint, s3Url(s3, bucket), dir.resolve("scratch"),
          "--once=full", "--compression=zstd"));
      assertEquals(0, full.code(), full.describe());
      JsonNode fm = resultOnStdout(full);
      assertEquals("Full", fm.get("kind").asText());
      assertEquals(fullRev, fm.get("endRevision").asLong());
      assertEquals("Zstd", fm.get("compression").asText());
      assertTrue(full.err().contains("\"level\":\"INFO\"") && full.err().contains("full snapshot"),
          "JSON logs on stderr:\n" + full.describe());

      for (int i = 0; i < 7; i++) {
        c.getKVClient().put(ByteSequence.from("d" + i, StandardCharsets.UTF_8),
            ByteSequence.from("x", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      }
      c.getKVClient().delete(ByteSequence.from("k3", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      long deltaRev = revision(c);
      Run delta = cairn(dir, "delta", S3_ENV, snapshotArgs(endpoint, s3Url(s3, bucket), dir.resolve("scratch"),
          "--once=delta"));
      assertEquals(0, delta.code(), delta.describe());
      JsonNode dm = resultOnStdout(delta);
      assertEquals("Delta", dm.get("kind").asText());
      assertEquals(fullRev + 1, dm.get("startRevision").asLong());
      assertEquals(deltaRev, dm.get("endRevision").asLong());
      assertEquals(8, dm.get("eventCount").asLong());

      Run nothing = cairn(dir, "nothing", S3_ENV, snapshotArgs(endpoint, s3Url(s3, bucket), dir.resolve("scratch"),
          "--once=delta"));
      assertEquals(0, nothing.code(), nothing.describe());
      assertTrue(resultOnStdout(nothing).get("message").asText().contains("no new events"), nothing.describe());

      try (S3Store store = s3Store(s3, bucket)) {
        SnapshotCatalog cat = SnapshotCatalog.of(store.listAll());
        assertEquals(2, cat.newestChain().size());
        List<DeltaEvent> events = SnapshotService.readDelta(store, cat.newestChain().get(1).name(), null);
        assertEquals(8, events.size());
        assertEquals(DeltaEvent.Type.DELETE, events.get(7).type());
        assertEquals(List.of(), store.listTemporary());
      }
    }
  }

  /** About 200 MiB of random values: an upload takes seconds, long enough to be caught in the act. */
  private static void fillWithRandomValues(Client c) throws Exception {
    Random rnd = new Random(1);
    for (int batch = 0; batch < 10; batch++) {
      List<CompletableFuture<?>> puts = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        byte[] v = new byte[1024 * 1024];
        rnd.nextBytes(v);
        puts.add(c.getKVClient().put(ByteSequence.from("big/" + batch + "/" + i, StandardCharsets.UTF_8),
            ByteSequence.from(v)));
      }
      CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    }
  }

  /**
   * A compressed full snapshot is uploaded while it streams, to a temporary (multipart) name: killed
   * in the middle, it leaves only that temporary, which the next run removes.
   */
  @Test
  void aSigkillDuringTheUploadLeavesNoSnapshotAndTheNextRunCleansUp() throws Exception {
    Path dir = TestDirs.create(SnapshotCommandIT.class, "kill");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client();
        S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      fillWithRandomValues(c);
      String bucket = s3.createBucket();
      String endpoint = etcd.member(0).clientUrl().toString();
      String[] args = snapshotArgs(endpoint, s3Url(s3, bucket), dir.resolve("scratch"), "--once=full",
          "--compression=gzip");
      Process victim = start(dir, "killed", S3_ENV, args);
      started.add(victim);
      Path onDisk = s3.baseDir().resolve(bucket);
      // The upload-ID marker exists from the first part until the upload completes: kill in between.
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (!markerPresent(onDisk)) {
        assertTrue(victim.isAlive(), "the snapshot ended before its upload was seen:\n"
            + Files.readString(dir.resolve("killed.err")));
        assertTrue(System.nanoTime() < deadline, "no staged upload seen within 2 minutes");
        Thread.sleep(10);
      }
      victim.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
      assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, victim.exitValue(), "killed by SIGKILL");

      try (S3Store store = s3Store(s3, bucket)) {
        assertEquals(List.of(), store.listAll(), "readers see nothing after the kill");
        assertTrue(SnapshotCatalog.of(store.listAll()).newestFull().isEmpty());
        List<StoredObject> left = store.listTemporary();
        assertEquals(1, left.size(), "the killed run left its temporary: " + left);
        assertTrue(files(onDisk).size() > 1, "parts of the killed upload are on the server: " + files(onDisk));

        Run again = cairn(dir, "again", S3_ENV, args);
        assertEquals(0, again.code(), again.describe());
        JsonNode meta = resultOnStdout(again);
        assertEquals(revision(c), meta.get("endRevision").asLong());
        assertTrue(again.err().contains("did not finish"), "the leftover removal is logged:\n" + again.describe());
        assertEquals(List.of(), store.listTemporary(), "the next run removed the killed run's temporary");
        String object = meta.get("object").asText();
        assertEquals(List.of(object, SnapshotName.parseObject(object).orElseThrow().metadataName()),
            store.listAll().stream().map(StoredObject::name).toList());
        assertEquals(List.of("snaps/" + object, "snaps/" + SnapshotName.parseObject(object).orElseThrow().metadataName()),
            files(onDisk), "nothing else is left on the server, parts included");
      }
    }
  }

  /**
   * A plain full snapshot goes to its final name after the stream, metadata last: killed at any point
   * of that upload, it leaves at most an object without metadata, which no reader trusts.
   */
  @Test
  void aSigkillDuringAPlainUploadLeavesNothingTrusted() throws Exception {
    Path dir = TestDirs.create(SnapshotCommandIT.class, "kill-plain");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client();
        S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      fillWithRandomValues(c);
      String bucket = s3.createBucket();
      String endpoint = etcd.member(0).clientUrl().toString();
      String[] args = snapshotArgs(endpoint, s3Url(s3, bucket), dir.resolve("scratch"), "--once=full");
      Process victim = start(dir, "killed-plain", S3_ENV, args);
      started.add(victim);
      Path onDisk = s3.baseDir().resolve(bucket);
      // The first bytes on the server's disk mean the upload has begun: kill then.
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (files(onDisk).isEmpty()) {
        assertTrue(victim.isAlive(), "the snapshot ended before its upload was seen:\n"
            + Files.readString(dir.resolve("killed-plain.err")));
        assertTrue(System.nanoTime() < deadline, "no upload seen within 2 minutes");
        Thread.sleep(5);
      }
      victim.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
      assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, victim.exitValue(), "killed by SIGKILL");

      try (S3Store store = s3Store(s3, bucket)) {
        SnapshotCatalog after = SnapshotCatalog.of(store.listAll());
        assertEquals(List.of(), after.snapshots(), "readers trust nothing after the kill: " + store.listAll());

        Run again = cairn(dir, "again-plain", S3_ENV, args);
        assertEquals(0, again.code(), again.describe());
        JsonNode meta = resultOnStdout(again);
        assertEquals(revision(c), meta.get("endRevision").asLong());
        SnapshotCatalog now = SnapshotCatalog.of(store.listAll());
        assertEquals(List.of(meta.get("object").asText()),
            now.snapshots().stream().map(e -> e.object().name()).toList(), "exactly the new run's snapshot is trusted");
      }
    }
  }

  private static boolean markerPresent(Path bucketDir) throws IOException {
    return files(bucketDir).stream().anyMatch(f -> f.startsWith("snaps/.tmp/") && f.endsWith(".upload-id"));
  }

  /** Every file S3Proxy keeps for the bucket: objects and the parts of multipart uploads. */
  static List<String> files(Path bucketDir) throws IOException {
    for (int attempt = 0; ; attempt++) {
      if (!Files.isDirectory(bucketDir)) {
        return List.of();
      }
      try (var s = Files.walk(bucketDir)) {
        return s.filter(Files::isRegularFile).map(p -> bucketDir.relativize(p).toString()).sorted().toList();
      } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
        if (attempt == 20) {
          throw e;
        }
        // the server removed a file while it was being walked; look again
      }
    }
  }
}
