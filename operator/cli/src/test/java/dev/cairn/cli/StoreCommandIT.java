package dev.cairn.cli;

import static dev.cairn.cli.SnapshotCommandIT.S3_ENV;
import static dev.cairn.cli.SnapshotCommandIT.s3Store;
import static dev.cairn.cli.SnapshotCommandIT.s3Url;
import static dev.cairn.cli.SnapshotCommandIT.snapshotArgs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.TokenHash;
import dev.cairn.agent.store.S3Store;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.Ports;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cairn store list|inspect|verify|archive-remove} and {@code cairn validate} on stored objects,
 * as the built jar against snapshots that {@code cairn snapshot} took of a real etcd into S3Proxy; and
 * a running {@code cairn snapshot} that follows an edited token file.
 */
class StoreCommandIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOKEN_A = "token-alpha-7f3c";
  static final String TOKEN_B = "token-bravo-19d2";

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private int n;

  private SnapshotCommandIT.Run cairn(Path dir, String... args) throws Exception {
    String label = "run" + (++n) + "-" + args[0] + (args.length > 1 && !args[1].startsWith("-") ? "-" + args[1] : "");
    Map<String, String> env = new HashMap<>(S3_ENV);
    env.put("CAIRN_LOG_FORMAT", "text");
    Process p = SnapshotCommandIT.start(dir, label, env, args);
    started.add(p);
    return SnapshotCommandIT.finish(dir, label, p, Duration.ofMinutes(3));
  }

  private static void put(Client c, String prefix, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      c.getKVClient().put(ByteSequence.from(prefix + i, StandardCharsets.UTF_8),
          ByteSequence.from("value-" + prefix + i, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void listInspectVerifyAndArchiveRemoveOnAStoreOfRealSnapshots() throws Exception {
    Path dir = TestDirs.create(StoreCommandIT.class, "store");
    Path tokenA = Files.writeString(dir.resolve("token-a"), TOKEN_A + "\n");
    Path tokenB = Files.writeString(dir.resolve("token-b"), TOKEN_B + "\n");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client();
        S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      String bucket = s3.createBucket();
      String store = s3Url(s3, bucket);
      String endpoint = etcd.member(0).clientUrl().toString();
      Path scratch = dir.resolve("scratch");
      put(c, "a", 20);
      assertEquals(0, cairn(dir, snapshotArgs(endpoint, store, scratch, "--once=full", "--compression=gzip",
          "--token-file=" + tokenA)).code());
      put(c, "b", 5);
      assertEquals(0, cairn(dir, snapshotArgs(endpoint, store, scratch, "--once=delta", "--token-file=" + tokenA))
          .code());
      put(c, "c", 5);
      assertEquals(0, cairn(dir, snapshotArgs(endpoint, store, scratch, "--once=delta", "--token-file=" + tokenA))
          .code());
      List<SnapshotCatalog.Entry> chain;
      try (S3Store s = s3Store(s3, bucket)) {
        chain = SnapshotCatalog.of(s.listAll()).newestChain();
      }
      assertEquals(3, chain.size());
      String full = chain.get(0).object().name();
      String d1 = chain.get(1).object().name();
      String d2 = chain.get(2).object().name();

      // list: text and JSON, in revision order, the newest chain marked.
      SnapshotCommandIT.Run list = cairn(dir, "store", "list", "--store=" + store);
      assertEquals(0, list.code(), list.describe());
      assertTrue(list.out().contains("3 snapshot(s); newest chain (*): full snapshot at revision "
          + chain.get(0).endRevision() + " + 2 delta(s) to revision " + chain.get(2).endRevision()), list.describe());
      assertTrue(list.out().indexOf(full) < list.out().indexOf(d1) && list.out().indexOf(d1) < list.out().indexOf(d2),
          list.describe());
      assertTrue(list.out().lines().anyMatch(l -> l.startsWith("*") && l.contains(full) && l.contains(" gzip")),
          list.describe());
      SnapshotCommandIT.Run listJson = cairn(dir, "store", "list", "--store=" + store, "-o", "json");
      assertEquals(0, listJson.code(), listJson.describe());
      JsonNode rows = JSON.readTree(listJson.out()).get("snapshots");
      assertEquals(3, rows.size(), listJson.out());
      assertEquals(List.of(full, d1, d2), List.of(rows.get(0).get("object").asText(), rows.get(1).get("object")
          .asText(), rows.get(2).get("object").asText()));
      assertEquals("Full", rows.get(0).get("kind").asText());
      assertEquals(chain.get(1).startRevision(), rows.get(1).get("startRevision").asLong());
      assertEquals("Gzip", rows.get(0).get("compression").asText());
      assertTrue(rows.get(2).get("newestChain").asBoolean());
      assertFalse(listJson.out().contains(TOKEN_A), "no token in any output");

      // inspect: the metadata file, the user metadata, the token verdict; never the token.
      SnapshotCommandIT.Run inspect = cairn(dir, "store", "inspect", full, "--store=" + store,
          "--token-file=" + tokenA);
      assertEquals(0, inspect.code(), inspect.describe());
      assertTrue(inspect.out().contains("\"object\" : \"" + full + "\""), inspect.describe());
      assertTrue(inspect.out().contains("cairn-kind: Full") && inspect.out().contains("(agrees with the metadata file)"),
          inspect.describe());
      assertTrue(inspect.out().contains("token: the token in " + tokenA + " matches this hash"), inspect.describe());
      assertFalse(inspect.out().contains(TOKEN_A) || inspect.err().contains(TOKEN_A), "the token is never printed");
      SnapshotCommandIT.Run other = cairn(dir, "store", "inspect", d1, "--store=" + store, "--token-file=" + tokenB);
      assertEquals(1, other.code(), other.describe());
      assertTrue(other.out().contains("does NOT match"), other.describe());
      SnapshotCommandIT.Run missing = cairn(dir, "store", "inspect", "0000-nothing", "--store=" + store);
      assertEquals(1, missing.code(), missing.describe());
      assertTrue(missing.err().contains("snapshot 0000-nothing is not in s3://" + bucket), missing.describe());

      // verify: one object, the chain, the chain with a token.
      SnapshotCommandIT.Run one = cairn(dir, "store", "verify", d1, "--store=" + store, "--scratch-dir=" + scratch);
      assertEquals(0, one.code(), one.describe());
      assertTrue(one.out().startsWith("OK      " + d1), one.describe());
      SnapshotCommandIT.Run whole = cairn(dir, "store", "verify", "--chain", "--store=" + store,
          "--token-file=" + tokenA, "--scratch-dir=" + scratch);
      assertEquals(0, whole.code(), whole.describe());
      assertEquals(3, whole.out().lines().filter(l -> l.startsWith("OK ")).count(), whole.describe());
      assertTrue(whole.out().contains("verified the newest chain: 3 object(s) good"), whole.describe());
      SnapshotCommandIT.Run wrongToken = cairn(dir, "store", "verify", "--chain", "--store=" + store,
          "--token-file=" + tokenB, "--scratch-dir=" + scratch);
      assertEquals(1, wrongToken.code(), wrongToken.describe());
      assertTrue(wrongToken.out().contains("FAILED  " + full + ": token preflight refused"), wrongToken.describe());
      try (var files = Files.list(scratch)) {
        assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("restore-")).toList(),
            "verify deletes its downloads");
      }

      // A damaged delta and a missing one: verify names the bad object and the gap.
      byte[] original;
      try (S3Store s = s3Store(s3, bucket); InputStream in = s.get(d2)) {
        original = in.readAllBytes();
        byte[] bytes = original.clone();
        bytes[bytes.length / 2] ^= 0x55;
        s.put(d2, new ByteArrayInputStream(bytes), bytes.length, Map.of());
      }
      SnapshotCommandIT.Run damaged = cairn(dir, "store", "verify", "--chain", "--store=" + store,
          "--scratch-dir=" + scratch);
      assertEquals(1, damaged.code(), damaged.describe());
      assertTrue(damaged.out().contains("FAILED  " + d2 + ": snapshot object " + d2 + " failed verification"),
          damaged.describe());
      assertTrue(damaged.out().contains("OK      " + d1), "the other objects are still checked: " + damaged.describe());
      byte[] d1Object;
      byte[] d1Meta;
      try (S3Store s = s3Store(s3, bucket)) {
        s.put(d2, new ByteArrayInputStream(original), original.length, Map.of());
        try (InputStream a = s.get(d1); InputStream b = s.get(chain.get(1).metadata().name())) {
          d1Object = a.readAllBytes();
          d1Meta = b.readAllBytes();
        }
        s.delete(chain.get(1).metadata().name());
        s.delete(d1);
      }
      SnapshotCommandIT.Run gap = cairn(dir, "store", "verify", "--chain", "--store=" + store,
          "--scratch-dir=" + scratch);
      assertEquals(1, gap.code(), gap.describe());
      assertTrue(gap.out().contains("FAILED  the newest chain: the chain after full snapshot " + full + " has a gap"),
          gap.describe());
      try (S3Store s = s3Store(s3, bucket)) {
        s.put(d1, new ByteArrayInputStream(d1Object), d1Object.length, Map.of());
        s.put(chain.get(1).metadata().name(), new ByteArrayInputStream(d1Meta), d1Meta.length, Map.of());
      }
      assertEquals(0, cairn(dir, "store", "verify", "--chain", "--store=" + store, "--scratch-dir=" + scratch).code(),
          "the chain is whole again");

      // A restore to the full snapshot starts a new timeline: the two deltas go to archive/drill-1/.
      String peer = "http://127.0.0.1:" + Ports.free();
      SnapshotCommandIT.Run restore = cairn(dir, "restore", "--store=" + store, "--data-dir=" + dir.resolve("r0"),
          "--scratch-dir=" + dir.resolve("restore-scratch"), "--name=r0", "--initial-cluster=r0=" + peer,
          "--token-file=" + tokenA, "--snapshot=" + d1);
      assertEquals(1, restore.code(), restore.describe());
      assertTrue(restore.err().contains("refused: snapshot " + d1 + " (revision " + chain.get(1).endRevision()
          + ") is older than the newest snapshot"), "the revision is named once: " + restore.describe());
      restore = cairn(dir, "restore", "--store=" + store, "--data-dir=" + dir.resolve("r0"),
          "--scratch-dir=" + dir.resolve("restore-scratch"), "--name=r0", "--initial-cluster=r0=" + peer,
          "--token-file=" + tokenA, "--snapshot=" + full, "--new-timeline", "--restore-id=drill-1");
      assertEquals(0, restore.code(), restore.describe());
      SnapshotCommandIT.Run archives = cairn(dir, "store", "list", "--archive", "--store=" + store);
      assertEquals(0, archives.code(), archives.describe());
      assertTrue(archives.out().lines().anyMatch(l -> l.startsWith("drill-1") && l.contains(" done ")
          && l.contains(" " + chain.get(0).endRevision() + " ")), archives.describe());
      JsonNode aj = JSON.readTree(cairn(dir, "store", "list", "--archive", "--store=" + store, "-o", "json").out());
      assertEquals("drill-1", aj.get("archives").get(0).get("id").asText());
      assertEquals(2, aj.get("archives").get(0).get("snapshots").asLong(), aj.toString());
      String moved = aj.get("archives").get(0).get("record").get("moved").toString();
      assertTrue(moved.contains(d1) && moved.contains(d2), moved);

      // archive-remove: a dry run without --yes, then the removal.
      SnapshotCommandIT.Run dry = cairn(dir, "store", "archive-remove", "drill-1", "--store=" + store);
      assertEquals(1, dry.code(), dry.describe());
      assertTrue(dry.out().contains("would remove archive drill-1") && dry.out().contains("archive/drill-1/" + d1)
          && dry.err().contains("--yes"), dry.describe());
      try (S3Store s = s3Store(s3, bucket)) {
        assertEquals(5, s.listArchived("drill-1").size(), "nothing removed without --yes");
      }
      SnapshotCommandIT.Run removed = cairn(dir, "store", "archive-remove", "drill-1", "--yes", "--store=" + store);
      assertEquals(0, removed.code(), removed.describe());
      assertTrue(removed.out().lines().filter(l -> l.startsWith("removed archive/drill-1/")).count() == 5,
          removed.describe());
      assertTrue(removed.out().lines().filter(l -> l.startsWith("removed archive/drill-1/")).reduce((a, b) -> b)
          .orElseThrow().endsWith("restore.json"), "the record goes last: " + removed.describe());
      try (S3Store s = s3Store(s3, bucket)) {
        assertEquals(List.of(), s.listArchives());
        // An archive whose restore is still moving snapshots is refused, --yes or not.
        s.putArchived("half-done", "restore.json", ("{\"formatVersion\":1,\"archive\":\"half-done\",\"revision\":3,"
            + "\"target\":\"revision 3\",\"state\":\"archiving\",\"startedAt\":\"" + Instant.now() + "\",\"moved\":[]}")
            .getBytes(StandardCharsets.UTF_8));
        s.archiveCopy(full, "half-done");
      }
      SnapshotCommandIT.Run unfinished = cairn(dir, "store", "archive-remove", "half-done", "--yes",
          "--store=" + store);
      assertEquals(1, unfinished.code(), unfinished.describe());
      assertTrue(unfinished.err().contains("still archiving") && unfinished.err().contains("--restore-id half-done"),
          unfinished.describe());
      try (S3Store s = s3Store(s3, bucket)) {
        assertEquals(2, s.listArchived("half-done").size(), "the unfinished archive is kept");
      }
      SnapshotCommandIT.Run noSuch = cairn(dir, "store", "archive-remove", "nope", "--yes", "--store=" + store);
      assertEquals(1, noSuch.code(), noSuch.describe());
      assertTrue(noSuch.err().contains("there is no archive nope") && noSuch.err().contains("half-done"),
          noSuch.describe());
      assertEquals(2, cairn(dir, "store", "archive-remove", "../x", "--store=" + store).code());

      // An archive without a record: nothing says whether its restore finished, so --yes alone keeps it.
      try (S3Store s = s3Store(s3, bucket)) {
        s.archiveCopy(full, "no-record");
      }
      SnapshotCommandIT.Run unknown = cairn(dir, "store", "archive-remove", "no-record", "--yes", "--store=" + store);
      assertEquals(2, unknown.code(), unknown.describe());
      assertTrue(unknown.err().contains("cannot tell whether its restore finished") && unknown.err().contains("--force"),
          unknown.describe());
      try (S3Store s = s3Store(s3, bucket)) {
        assertEquals(1, s.listArchived("no-record").size(), "an archive without a record is kept without --force");
      }
      SnapshotCommandIT.Run forced = cairn(dir, "store", "archive-remove", "no-record", "--yes", "--force",
          "--store=" + store);
      assertEquals(0, forced.code(), forced.describe());
      try (S3Store s = s3Store(s3, bucket)) {
        assertEquals(List.of(), s.listArchived("no-record"), "--force removes it");
      }

    }
  }

  @Test
  void encryptedSnapshotsNeedTheirKeyAndValidateSaysSo() throws Exception {
    Path dir = TestDirs.create(StoreCommandIT.class, "encrypted");
    Path key = dir.resolve("key");
    byte[] raw = new byte[32];
    new java.security.SecureRandom().nextBytes(raw);
    Files.write(key, raw);
    Path otherKey = dir.resolve("other-key");
    Files.write(otherKey, new byte[32]);
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client();
        S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      String bucket = s3.createBucket();
      String store = s3Url(s3, bucket);
      String endpoint = etcd.member(0).clientUrl().toString();
      Path scratch = dir.resolve("scratch");
      put(c, "e", 30);
      assertEquals(0, cairn(dir, snapshotArgs(endpoint, store, scratch, "--once=full", "--compression=zstd",
          "--encryption-key-file=" + key)).code());
      put(c, "f", 3);
      assertEquals(0, cairn(dir, snapshotArgs(endpoint, store, scratch, "--once=delta",
          "--encryption-key-file=" + key)).code());
      String keyId = EncryptionKey.fromFile(key).id();
      String full;
      long fullRev;
      try (S3Store s = s3Store(s3, bucket)) {
        SnapshotCatalog.Entry f = SnapshotCatalog.of(s.listAll()).newestFull().orElseThrow();
        full = f.object().name();
        fullRev = f.endRevision();
        try (InputStream in = s.get(full)) {
          Files.write(dir.resolve("full.db.zst.enc"), in.readAllBytes());
        }
      }
      assertTrue(full.endsWith(".db.zst.enc"), full);

      JsonNode rows = JSON.readTree(cairn(dir, "store", "list", "--store=" + store, "-o", "json").out())
          .get("snapshots");
      assertEquals(keyId, rows.get(0).get("encryptionKeyId").asText());
      SnapshotCommandIT.Run text = cairn(dir, "store", "list", "--store=" + store);
      assertTrue(text.out().lines().anyMatch(l -> l.contains(full) && l.endsWith(keyId) && l.contains(" zstd ")),
          text.describe());

      SnapshotCommandIT.Run noKey = cairn(dir, "store", "verify", "--chain", "--store=" + store,
          "--scratch-dir=" + scratch);
      assertEquals(1, noKey.code(), noKey.describe());
      assertTrue(noKey.out().contains("FAILED  " + full + ": " + full + " is encrypted with key " + keyId),
          noKey.describe());
      SnapshotCommandIT.Run wrongKey = cairn(dir, "store", "verify", full, "--store=" + store,
          "--encryption-key-file=" + otherKey, "--scratch-dir=" + scratch);
      assertEquals(1, wrongKey.code(), wrongKey.describe());
      assertTrue(wrongKey.out().contains("wrong encryption key for " + full), wrongKey.describe());
      SnapshotCommandIT.Run good = cairn(dir, "store", "verify", "--chain", "--store=" + store,
          "--encryption-key-file=" + key, "--scratch-dir=" + scratch);
      assertEquals(0, good.code(), good.describe());
      assertTrue(good.out().contains("decrypted with key " + keyId), good.describe());

      // validate --snapshot on the downloaded object: not "Corrupt", but how to check it; with the key, Valid.
      String file = dir.resolve("full.db.zst.enc").toString();
      SnapshotCommandIT.Run plain = cairn(dir, "validate", "--snapshot", file);
      assertEquals(2, plain.code(), plain.describe());
      assertTrue(plain.err().contains("is an encrypted cairn snapshot object") && plain.err().contains(
          "cairn store verify <object name> --store URL --encryption-key-file FILE"), plain.describe());
      assertFalse(plain.out().contains("Corrupt"), plain.describe());
      SnapshotCommandIT.Run decrypted = cairn(dir, "validate", "--snapshot", file, "--encryption-key-file=" + key,
          "--scratch-dir=" + scratch);
      assertEquals(0, decrypted.code(), decrypted.describe());
      assertTrue(decrypted.out().contains("revision=" + fullRev) && decrypted.out().contains("outcome: Valid"),
          decrypted.describe());
      assertTrue(decrypted.err().contains("encrypted (key " + keyId + ") and zstd-compressed"), decrypted.describe());
      SnapshotCommandIT.Run badKey = cairn(dir, "validate", "--snapshot", file, "--encryption-key-file=" + otherKey,
          "--scratch-dir=" + scratch);
      assertEquals(2, badKey.code(), badKey.describe());
      assertTrue(badKey.err().contains("cannot decrypt " + file), badKey.describe());
      try (var files = Files.list(scratch)) {
        assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("cairn-validate-")).toList(),
            "validate deletes its plain copy");
      }
      SnapshotCommandIT.Run help = cairn(dir, "validate", "--help");
      assertEquals(0, help.code(), help.describe());
      assertTrue(help.out().contains("Usage: cairn validate") && help.out().contains("--encryption-key-file"),
          help.describe());
    }
  }

  @Test
  void aRunningSnapshotterHashesTheTokenFileAsItIsAtEachSnapshot() throws Exception {
    Path dir = TestDirs.create(StoreCommandIT.class, "token");
    Path token = Files.writeString(dir.resolve("token"), TOKEN_A + "\n");
    try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = etcd.client();
        S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      String bucket = s3.createBucket();
      String endpoint = etcd.member(0).clientUrl().toString();
      put(c, "t", 5);
      Process agent = SnapshotCommandIT.start(dir, "snapshotter", S3_ENV, snapshotArgs(endpoint, s3Url(s3, bucket),
          dir.resolve("scratch"), "--token-file=" + token, "--delta-period=1s", "--heartbeat=1s",
          "--full-schedule=none", "--gc-policy=none"));
      started.add(agent);
      try (S3Store s = s3Store(s3, bucket)) {
        SnapshotMetadata before = awaitSnapshotAbove(s, agent, dir, 0, "a full snapshot");
        assertTrue(TokenHash.matches(TOKEN_A, before.tokenHash()), "hashed with the token it started with");
        put(c, "u", 3);
        SnapshotMetadata d1 = awaitSnapshotAbove(s, agent, dir, before.endRevision(), "a delta with token A");
        assertTrue(TokenHash.matches(TOKEN_A, d1.tokenHash()));
        // The kubelet updates a mounted Secret in place: the running agent must follow.
        Files.writeString(token, TOKEN_B + "\n");
        put(c, "v", 3);
        SnapshotMetadata d2 = awaitSnapshotAbove(s, agent, dir, d1.endRevision(), "a delta after the edit");
        assertTrue(TokenHash.matches(TOKEN_B, d2.tokenHash()), "the edited token is hashed: " + d2);
        assertFalse(TokenHash.matches(TOKEN_A, d2.tokenHash()));
      }
      String logs = Files.readString(dir.resolve("snapshotter.err"));
      assertTrue(logs.contains("changed: snapshots from now on record the new token's hash"), logs);
      assertFalse(logs.contains(TOKEN_A) || logs.contains(TOKEN_B), "the token is never logged");
    }
  }

  /** Waits for a snapshot whose end revision is above {@code rev}; returns its metadata. */
  private static SnapshotMetadata awaitSnapshotAbove(S3Store s, Process agent, Path dir, long rev, String what)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      SnapshotCatalog cat = SnapshotCatalog.of(s.listAll());
      for (SnapshotCatalog.Entry e : cat.snapshots()) {
        if (e.endRevision() > rev) {
          try (InputStream in = s.get(e.metadata().name())) {
            return SnapshotMetadata.fromJson(in.readAllBytes());
          }
        }
      }
      assertTrue(agent.isAlive(), "cairn snapshot exited while waiting for " + what + ":\n"
          + Files.readString(dir.resolve("snapshotter.err")));
      assertTrue(System.nanoTime() < deadline, "no " + what + " (above revision " + rev + ") within 2 minutes:\n"
          + Files.readString(dir.resolve("snapshotter.err")));
      Thread.sleep(200);
    }
  }
}
