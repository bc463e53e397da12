package dev.cairn.agent.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.metrics.AgentMetrics;
import dev.cairn.agent.restore.ChainRestorer;
import dev.cairn.agent.restore.EtcdTools;
import dev.cairn.agent.restore.RestoreTarget;
import dev.cairn.agent.restore.RestoredMember;
import dev.cairn.agent.restore.TempEtcd;
import dev.cairn.agent.restore.TimelineArchiver;
import dev.cairn.agent.restore.TokenPreflight;
import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.datadir.validation.ExitMarker;
import dev.cairn.datadir.validation.ValidationFlow;
import dev.cairn.datadir.validation.ValidationMode;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The operator's restore to a revision between two deltas, carried out by the agent's
 * initialisation against a real etcd and S3Proxy (zstd, AES-GCM), and what must hold afterwards
 * (ADR 0008): the restored member is not judged stale at its next start, its agent uploads at once
 * (a new full snapshot as the new timeline's base, then deltas from there), a later restore of the
 * newest state gives the new timeline, and the abandoned snapshots are intact in the archive.
 */
class PointInTimeRestoreIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Every key with value and revisions, at {@code revision} (0: now). */
  static Map<String, String> keyspace(Client c, long revision) throws Exception {
    ByteSequence all = ByteSequence.from(new byte[] {0});
    GetOption.Builder b = GetOption.builder().withRange(all);
    if (revision > 0) {
      b.withRevision(revision);
    }
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv : c.getKVClient().get(all, b.build()).get(30, TimeUnit.SECONDS).getKvs()) {
      out.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8) + " c"
          + kv.getCreateRevision() + " m" + kv.getModRevision() + " v" + kv.getVersion());
    }
    return out;
  }

  static long revision(Client c) throws Exception {
    return c.getKVClient().get(bs("\0")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  static void await(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + WAIT + " for " + what);
      }
      Thread.sleep(100);
    }
  }

  static SnapshotCatalog catalog(BackupStore store) {
    try {
      return SnapshotCatalog.of(store.listAll());
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot list " + store.describe(), e);
    }
  }

  /**
   * Cuts deltas until the store reaches etcd's revision now: one delta, unless a cut fails. Each cut
   * first waits until the watch has delivered that revision (onceDelta); cutting at once could store
   * the round in two deltas when the last event is still on its way.
   */
  static long flush(SnapshotService agent, BackupStore store, Client c) throws Exception {
    long target = revision(c);
    await("deltas up to revision " + target + " (" + agent.health() + ")", () -> {
      try {
        agent.onceDelta(WAIT);
        return catalog(store).newestEndRevision() >= target;
      } catch (Exception e) {
        return false;
      }
    });
    return target;
  }

  static AgentConfig agentConfig(LocalPods pods, String url, Path dir, Path keyFile) {
    AgentConfig c = new AgentConfig();
    c.etcdEndpoint = pods.clientUrl(0);
    c.store = StoreUrl.parse(url);
    c.scratchDir = dir.resolve("agent-scratch");
    c.fullSchedule = null; // no scheduled full: only the new timeline may ask for one
    c.deltaPeriod = Duration.ofHours(1); // cuts when the test asks
    c.heartbeat = Duration.ofMillis(200);
    c.retryInitial = Duration.ofMillis(100);
    c.retryMax = Duration.ofSeconds(1);
    c.compression = Compression.ZSTD;
    c.encryptionKeyFile = keyFile;
    return c;
  }

  static SnapshotService agent(AgentConfig c, BackupStore store) throws Exception {
    return new SnapshotService(c, new EtcdNode(c.etcdEndpoint, Duration.ofSeconds(5)), store, LeasePort.NONE,
        new AgentMetrics(), Clock.systemUTC(), RevisionSource.datadir());
  }

  static String sha256(InputStream in) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void aRestoreBetweenTwoDeltasStartsANewTimelineThatSurvivesRestarts() throws Exception {
    Path dir = TestDirs.create(PointInTimeRestoreIT.class, "between-deltas");
    Path keyFile = dir.resolve("key");
    byte[] keyBytes = new byte[32];
    new java.util.Random(11).nextBytes(keyBytes);
    Files.write(keyFile, keyBytes);
    EncryptionKey key = EncryptionKey.fromFile(keyFile);
    try (LocalPods pods = new LocalPods(dir, 1); S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      String bucket = s3.createBucket();
      String url = "s3://" + bucket + "/pit?endpoint=" + s3.endpoint() + "&region=us-east-1";
      BackupStore store = new S3Store(StoreUrl.parse(url).s3().orElseThrow(),
          S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
      Path template = pods.template(1);
      Initializer init = pods.initializer(0, template, store, key);
      Path marker = ValidationFlow.markerFile(pods.dataDir(0));
      init.start(ValidationMode.FULL);
      Initializer.Status s = LocalPods.await(init, WAIT);
      assertEquals(Initializer.State.Successful, s.state(), s.toString());
      Process etcd = pods.startEtcd(0, init.config());
      pods.awaitHealthy(0, etcd, WAIT);
      AgentConfig cfg = agentConfig(pods, url, dir, keyFile);

      // The old timeline: a full snapshot and three deltas of several revisions each.
      SnapshotCatalog.Entry full1;
      SnapshotCatalog.Entry d2;
      long restoreTo;
      long oldEnd;
      String oldClusterId;
      Map<String, String> atRestorePoint;
      try (Client client = Client.builder().endpoints(pods.clientUrl(0)).build();
          SnapshotService agent = agent(cfg, store)) {
        for (int i = 0; i < 30; i++) {
          client.getKVClient().put(bs("a/" + i), bs("v" + i)).get(10, TimeUnit.SECONDS);
        }
        agent.start();
        await("the first full snapshot", () -> catalog(store).newestFull().isPresent());
        for (int round = 0; round < 3; round++) {
          for (int i = 0; i < 20; i++) {
            client.getKVClient().put(bs("d" + round + "/" + (i % 7)), bs("r" + round + "." + i)).get(10, TimeUnit.SECONDS);
          }
          client.getKVClient().delete(bs("a/" + round)).get(10, TimeUnit.SECONDS);
          flush(agent, store, client);
        }
        SnapshotCatalog cat = catalog(store);
        full1 = cat.newestFull().orElseThrow();
        List<SnapshotCatalog.Entry> deltas = cat.snapshots().stream().filter(e -> e.kind() == SnapshotKind.DELTA).toList();
        assertEquals(3, deltas.size(), "three deltas: " + deltas);
        d2 = deltas.get(1);
        assertTrue(d2.endRevision() - d2.startRevision() >= 10, "the middle delta spans revisions: " + d2);
        restoreTo = d2.startRevision() + (d2.endRevision() - d2.startRevision()) / 2;
        oldEnd = cat.newestEndRevision();
        atRestorePoint = keyspace(client, restoreTo);
        try (InputStream in = store.get(full1.metadata().name())) {
          oldClusterId = SnapshotMetadata.fromJson(in.readAllBytes()).etcdClusterId();
        }
      }
      Map<String, String> liveBefore = catalog(store).snapshots().stream()
          .collect(Collectors.toMap(e -> e.object().name(), e -> e.metadata().name()));
      assertEquals(143, LocalPods.stop(etcd));
      ExitMarker.exited(143).write(marker);

      // The operator's Restore task: a directive to restore revision R, then the member restarts.
      init.directives().submit(new DirectiveFile.Directive("task-uid-1", "restore", null, restoreTo, false, "pending",
          null, Instant.now()));
      init.start(null);
      s = LocalPods.await(init, WAIT);
      assertEquals(Initializer.State.Successful, s.state(), s.toString());
      assertEquals("Restore", s.action());
      assertEquals("done", init.directives().read().state());

      // The live listing ends at R; what was above it is in the archive, with a record.
      SnapshotCatalog live = catalog(store);
      assertEquals(restoreTo, live.newestEndRevision(), "the live chain ends at the restored revision");
      SnapshotCatalog.Entry trimmed = live.snapshots().get(live.snapshots().size() - 1);
      assertEquals(SnapshotKind.DELTA, trimmed.kind());
      assertEquals(d2.startRevision(), trimmed.startRevision(), "the middle delta, trimmed to end at R");
      String archive = Initializer.archiveId("task-uid-1");
      TimelineArchiver.Record rec = TimelineArchiver.readRecord(store, archive).orElseThrow();
      assertTrue(rec.done(), rec.toString());
      assertEquals(restoreTo, rec.revision());
      assertEquals(full1.object().name(), rec.newestFullAfter());
      Set<String> archived = store.listArchived(archive).stream().map(StoredObject::name).collect(Collectors.toSet());
      int abandoned = 0;
      for (var e : liveBefore.entrySet()) {
        long end = Long.parseLong(e.getKey().substring(0, 19));
        if (end > restoreTo) {
          abandoned++;
          assertTrue(archived.contains(e.getKey()) && archived.contains(e.getValue()), e.getKey() + " archived");
          assertFalse(store.stat(e.getKey()).isPresent(), e.getKey() + " left the live listing");
        } else {
          assertTrue(store.stat(e.getKey()).isPresent(), e.getKey() + " stays live");
        }
      }
      assertEquals(2, abandoned, "the straddling delta and the one after it");
      // Archived copies are byte for byte what their metadata says.
      for (String name : archived) {
        if (name.endsWith(".meta.json")) {
          SnapshotMetadata m;
          try (InputStream in = store.getArchived(archive, name)) {
            m = SnapshotMetadata.fromJson(in.readAllBytes());
          }
          try (InputStream in = store.getArchived(archive, m.object())) {
            assertEquals(m.sha256(), sha256(in), "archived " + m.object() + " is intact");
          }
        }
      }

      // The restored member starts at R with the old keyspace at R.
      etcd = pods.startEtcd(0, init.config());
      pods.awaitHealthy(0, etcd, WAIT);
      long newEnd;
      Map<String, String> beforeRestart;
      try (Client client = Client.builder().endpoints(pods.clientUrl(0)).build();
          SnapshotService agent = agent(cfg, store)) {
        assertEquals(restoreTo, revision(client), "restored to R");
        assertEquals(atRestorePoint, keyspace(client, 0), "the keyspace at R");
        agent.start();
        // Not stale; a full snapshot of its own promptly (no schedule is configured).
        await("the new timeline's first full snapshot (" + agent.health() + ")",
            () -> catalog(store).newestFull().filter(f -> !f.object().name().equals(full1.object().name())).isPresent());
        assertTrue(agent.isActive(), "the restored member's agent uploads: " + agent.health());
        SnapshotCatalog.Entry base = catalog(store).newestFull().orElseThrow();
        assertEquals(restoreTo, base.endRevision(), "the new base is at R (nothing written yet)");
        for (int i = 0; i < 25; i++) {
          client.getKVClient().put(bs("new/" + i), bs("n" + i)).get(10, TimeUnit.SECONDS);
        }
        newEnd = flush(agent, store, client);
        SnapshotCatalog after = catalog(store);
        assertEquals(newEnd, after.newestEndRevision());
        SnapshotCatalog.Entry firstNewDelta = after.snapshots().stream()
            .filter(e -> e.kind() == SnapshotKind.DELTA && e.endRevision() > restoreTo).findFirst().orElseThrow();
        assertEquals(restoreTo + 1, firstNewDelta.startRevision(), "deltas continue from the restored revision");
        String newClusterId;
        try (InputStream in = store.get(firstNewDelta.metadata().name())) {
          newClusterId = SnapshotMetadata.fromJson(in.readAllBytes()).etcdClusterId();
        }
        // etcd derives the cluster ID from the members' peer URLs and the cluster token, which the
        // restore keeps here: the same ID. A restore under another token gets another ID; nothing in
        // the agent compares them (TimelineIT runs that case).
        long runningId = client.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getHeader().getClusterId();
        assertEquals(Long.toHexString(runningId), newClusterId, "the new timeline's snapshots name the running cluster"
            + " (the old one was " + oldClusterId + ")");
        assertTrue(agent.health().healthy(), agent.health().toString());
        beforeRestart = keyspace(client, 0);
      }

      // A restart: valid data, started as it is (not judged stale, not restored again).
      assertEquals(143, LocalPods.stop(etcd));
      ExitMarker.exited(143).write(marker);
      init.start(null);
      s = LocalPods.await(init, WAIT);
      assertEquals(Initializer.State.Successful, s.state(), s.toString());
      assertEquals("Valid", s.validation(), s.toString());
      assertEquals("Start", s.action(), s.toString());
      etcd = pods.startEtcd(0, init.config());
      pods.awaitHealthy(0, etcd, WAIT);
      try (Client client = Client.builder().endpoints(pods.clientUrl(0)).build()) {
        assertEquals(newEnd, revision(client), "R plus the new writes");
        assertEquals(beforeRestart, keyspace(client, 0));
        assertTrue(beforeRestart.keySet().stream().anyMatch(k -> k.startsWith("new/")));
        assertTrue(oldEnd > restoreTo);
      }
      LocalPods.stop(etcd);

      // A later restore of the newest state gives the new timeline.
      ChainRestorer r = new ChainRestorer(store, new ChainRestorer.Settings(dir.resolve("check-scratch"), key,
          new TokenPreflight(null, true), EtcdTools.find(System.getenv()), "127.0.0.1", 1L << 30, 2,
          Duration.ofMinutes(5)));
      Path check = dir.resolve("latest-check");
      ChainRestorer.Result latest = r.restore(RestoreTarget.latest(), RestoredMember.alone("chk",
          "http://127.0.0.1:2380", "chk"), check, false);
      assertEquals(newEnd, latest.revision(), latest.describe());
      try (TempEtcd t = TempEtcd.start(check, "chk", new TempEtcd.Options(Prerequisites.etcd(), "127.0.0.1", 1L << 30,
          WAIT, dir.resolve("check.log")))) {
        assertEquals(beforeRestart, keyspace(t.client(), 0), "the newest state in the store is the new timeline's");
      }
      Map<String, String> afterArchive = store.listArchived(archive).stream()
          .collect(Collectors.toMap(StoredObject::name, o -> String.valueOf(o.size())));
      assertEquals(archived, afterArchive.keySet(), "the archive is left alone by the new timeline's agent");
      init.close();
      store.close();
    }
  }
}
