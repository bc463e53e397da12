package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.testkit.TestDirs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every way a chain can be unusable is refused with its own message, before or during the restore,
 * and leaves the data dir exactly as it was: a corrupt object, a missing delta, the wrong key, a
 * token that does not match, a revision out of reach, a data dir that still holds member data.
 */
class RestoreRefusalIT {

  private static ChainRestorer restorer(ChainFixture f, Path scratch, EncryptionKey key, String token,
      boolean allowMismatch) throws Exception {
    return new ChainRestorer(f.store, new ChainRestorer.Settings(scratch, key,
        new TokenPreflight(token, allowMismatch), EtcdTools.find(System.getenv()), "127.0.0.1", 1L << 30, 3,
        Duration.ofMinutes(5)));
  }

  /** File name -> sha256 of every file under dir: "untouched" means this map is equal. */
  private static Map<String, String> fingerprint(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    }
    return out;
  }

  private static RestoreException refused(ChainRestorer r, RestoreTarget t, Path dataDir, boolean replace,
      RestoreException.Reason expected) throws Exception {
    Map<String, String> before = fingerprint(dataDir);
    RestoreException e = assertThrows(RestoreException.class,
        () -> r.restore(t, RestoredMember.alone("r0", "http://127.0.0.1:2380", "tok"), dataDir, replace));
    assertEquals(expected, e.reason(), e.getMessage());
    assertEquals(before, fingerprint(dataDir), "the data dir is untouched after: " + e.getMessage());
    assertFalse(Files.exists(dataDir.resolve(".cairn/restore.part")), "no .part left behind");
    return e;
  }

  private static void replaceObject(ChainFixture f, String name, byte[] content) throws IOException {
    f.store.put(name, new ByteArrayInputStream(content), content.length, Map.of());
  }

  private static byte[] read(ChainFixture f, String name) throws IOException {
    try (InputStream in = f.store.get(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void unusableChainsAreRefusedEachWithItsOwnMessageAndTheDataDirIsUntouched() throws Exception {
    Path dir = TestDirs.create(RestoreRefusalIT.class, "refusal");
    try (ChainFixture f = new ChainFixture(dir, "token-a")) {
      Workload w = new Workload(f.client, 7);
      w.run(80);
      SnapshotMetadata full = f.startAgent();
      w.run(60);
      SnapshotMetadata d1 = f.delta();
      w.run(60);
      SnapshotMetadata d2 = f.delta();
      w.run(60);
      SnapshotMetadata d3 = f.delta();
      Path scratch = dir.resolve("scratch");
      ChainRestorer good = restorer(f, scratch, f.key(), "token-a", false);

      // A data dir with real member data in it: every refusal below must leave it byte for byte.
      Path data = dir.resolve("data");
      good.restore(new RestoreTarget.Revision(d1.endRevision()), RestoredMember.alone("r0", "http://127.0.0.1:2380",
          "tok"), data, false, Timeline.detached());
      assertTrue(Files.isDirectory(data.resolve("member")));

      // An older point than the store's newest, without saying what becomes of the newer snapshots:
      // such a member would be judged stale at its next start and restored to them (ADR 0008).
      RestoreException older = refused(good, new RestoreTarget.Revision(d2.endRevision()), data, true,
          RestoreException.Reason.OLDER_THAN_STORE);
      assertTrue(older.getMessage().contains("--new-timeline") && older.getMessage().contains("--detached")
          && older.getMessage().contains(String.valueOf(d3.endRevision())), older.getMessage());
      assertTrue(older.getMessage().startsWith("revision " + d2.endRevision() + " is older than the newest snapshot"),
          "the revision is named once: " + older.getMessage());
      String d2Name = d2.object();
      RestoreException olderSnapshot = refused(good, new RestoreTarget.Snapshot(d2Name), data, true,
          RestoreException.Reason.OLDER_THAN_STORE);
      assertTrue(olderSnapshot.getMessage().startsWith("snapshot " + d2Name + " (revision " + d2.endRevision()
          + ") is older than the newest snapshot"), olderSnapshot.getMessage());

      RestoreException notEmpty = refused(good, RestoreTarget.latest(), data, false,
          RestoreException.Reason.DATA_DIR_NOT_EMPTY);
      assertTrue(notEmpty.getMessage().contains("--replace"), notEmpty.getMessage());

      EncryptionKey other = EncryptionKey.of(new byte[32]);
      RestoreException wrongKey = refused(restorer(f, scratch, other, "token-a", false), RestoreTarget.latest(), data,
          true, RestoreException.Reason.WRONG_KEY);
      assertTrue(wrongKey.getMessage().contains(f.key().id()) && wrongKey.getMessage().contains(other.id()),
          wrongKey.getMessage());

      RestoreException token = refused(restorer(f, scratch, f.key(), "token-b", false), RestoreTarget.latest(), data,
          true, RestoreException.Reason.TOKEN_MISMATCH);
      assertTrue(token.getMessage().contains(full.object()), "names the snapshot: " + token.getMessage());
      assertTrue(token.getMessage().contains("--allow-token-mismatch"), token.getMessage());
      // ...and the caller may accept the mismatch.
      ChainRestorer.Result allowed = restorer(f, scratch, f.key(), "token-b", true)
          .restore(RestoreTarget.latest(), RestoredMember.alone("r0", "http://127.0.0.1:2380", "tok"),
              dir.resolve("allowed"), false);
      assertEquals(d3.endRevision(), allowed.revision());

      RestoreException tooFar = refused(good, new RestoreTarget.Revision(d3.endRevision() + 1000), data, true,
          RestoreException.Reason.UNREACHABLE_REVISION);
      assertTrue(tooFar.getMessage().contains(full.endRevision() + ".." + d3.endRevision()), tooFar.getMessage());
      RestoreException tooEarly = refused(good, new RestoreTarget.Revision(full.endRevision() - 1), data, true,
          RestoreException.Reason.UNREACHABLE_REVISION);
      assertTrue(tooEarly.getMessage().contains("nearest reachable revision(s): " + full.endRevision() + " (above)"),
          tooEarly.getMessage());

      // A flipped byte in the middle delta: found by its sha256 before a single event is replayed from it.
      byte[] orig = read(f, d2.object());
      byte[] bad = orig.clone();
      bad[bad.length / 2] ^= 0x40;
      replaceObject(f, d2.object(), bad);
      RestoreException corrupt = refused(good, RestoreTarget.latest(), data, true,
          RestoreException.Reason.CORRUPT_OBJECT);
      assertTrue(corrupt.getMessage().contains(d2.object()) && corrupt.getMessage().contains("sha256"),
          corrupt.getMessage());
      // The same flip with metadata that agrees with it: decryption authentication still catches it.
      byte[] metaOrig = read(f, d2.object().replaceAll("\\.delta.*$", ".meta.json"));
      SnapshotMetadata forged = new SnapshotMetadata(d2.object(), d2.kind(), d2.startRevision(), d2.endRevision(),
          d2.createdAt(), bad.length, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bad)),
          d2.contentSha256(), d2.compression(), d2.encryptionKeyId(), d2.etcdClusterId(), d2.etcdMemberId(),
          d2.member(), d2.etcdVersion(), d2.tokenHash(), d2.eventCount(), false);
      String metaName = d2.object().replaceAll("\\.delta.*$", ".meta.json");
      replaceObject(f, metaName, forged.toJson());
      RestoreException auth = refused(good, RestoreTarget.latest(), data, true,
          RestoreException.Reason.CORRUPT_OBJECT);
      assertTrue(auth.getMessage().contains(d2.object()) && auth.getMessage().contains("authentication"),
          auth.getMessage());
      replaceObject(f, d2.object(), orig);
      replaceObject(f, metaName, metaOrig);

      // The middle delta gone (object and metadata): a gap, named with the revisions it loses.
      f.store.delete(metaName);
      RestoreException gap = refused(good, RestoreTarget.latest(), data, true, RestoreException.Reason.GAP);
      assertTrue(gap.getMessage().contains("revisions " + d2.startRevision() + ".." + d2.endRevision()),
          gap.getMessage());
      assertTrue(gap.getMessage().contains("--revision " + d1.endRevision()), gap.getMessage());
      RestoreException inGap = refused(good, new RestoreTarget.Revision(d2.endRevision()), data, true,
          RestoreException.Reason.UNREACHABLE_REVISION);
      assertTrue(inGap.getMessage().contains(String.valueOf(d1.endRevision())), inGap.getMessage());
      replaceObject(f, metaName, metaOrig);

      // After all that the chain restores fine, replacing the old member data only at the end.
      ChainRestorer.Result ok = good.restore(RestoreTarget.latest(),
          RestoredMember.alone("r0", "http://127.0.0.1:2380", "tok"), data, true);
      assertEquals(d3.endRevision(), ok.revision());
      f.assertRestored(data, "r0", d3.endRevision());
      try (var s = Files.list(scratch)) {
        assertEquals(List.of(), s.toList(), "scratch is empty after every path");
      }
      SnapshotCatalog cat = SnapshotCatalog.of(f.store.listAll());
      assertEquals(3, cat.snapshots().stream().filter(e -> e.kind() == SnapshotKind.DELTA).count());
    }
  }
}
