package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.metrics.AgentMetrics;
import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.S3Server;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A source etcd whose snapshots an agent stores in S3Proxy, full and delta snapshots cut when the
 * test says, and the checks of restore tests: the keyspace of any etcd at any revision, compared
 * field by field.
 */
final class ChainFixture implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(90);

  final Path dir;
  final EtcdCluster etcd;
  final S3Server s3;
  final String bucket;
  final BackupStore store;
  final Client client;
  final SnapshotService agent;
  final Path keyFile;
  final Path tokenFile;

  ChainFixture(Path dir, String token) throws Exception {
    this.dir = dir;
    etcd = EtcdCluster.builder(dir.resolve("source")).members(1).clusterToken("source-token").start();
    s3 = S3Server.start(dir.resolve("s3"));
    bucket = s3.createBucket();
    store = new S3Store(StoreUrl.parse(storeUrl()).s3().orElseThrow(),
        S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
    client = etcd.client();
    keyFile = dir.resolve("key");
    byte[] key = new byte[32];
    new java.util.Random(7).nextBytes(key);
    Files.write(keyFile, key);
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, token, StandardCharsets.UTF_8);
    AgentConfig c = new AgentConfig();
    c.etcdEndpoint = etcd.member(0).clientUrl();
    c.memberName = "source";
    c.store = StoreUrl.parse(storeUrl());
    c.scratchDir = dir.resolve("agent-scratch");
    c.fullSchedule = null;
    c.deltaPeriod = Duration.ofHours(1); // cuts only when the test asks
    c.deltaMemoryLimit = 64L * 1024 * 1024;
    c.heartbeat = Duration.ofMillis(200);
    c.retryInitial = Duration.ofMillis(100);
    c.retryMax = Duration.ofSeconds(1);
    c.compression = Compression.ZSTD;
    c.encryptionKeyFile = keyFile;
    c.tokenFile = tokenFile;
    agent = new SnapshotService(c, new EtcdNode(c.etcdEndpoint, Duration.ofSeconds(10)), store, LeasePort.NONE,
        new AgentMetrics(), Clock.systemUTC(), RevisionSource.datadir());
  }

  String storeUrl() {
    return "s3://" + bucket + "/restore?endpoint=" + s3.endpoint() + "&region=us-east-1";
  }

  EncryptionKey key() throws Exception {
    return EncryptionKey.fromFile(keyFile);
  }

  /** Starts the agent; it takes the first full snapshot by itself (the store has none). */
  SnapshotMetadata startAgent() throws Exception {
    agent.start();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      var chain = agent.latest();
      if (!chain.isEmpty() && agent.isActive()) {
        return chain.get(0);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the agent took no first full snapshot within " + WAIT + ": " + agent.health());
      }
      Thread.sleep(100);
    }
  }

  SnapshotMetadata full() throws Exception {
    return agent.fullSnapshot(false, WAIT);
  }

  /** Stores a delta with every event up to etcd's revision now. */
  SnapshotMetadata delta() throws Exception {
    return agent.onceDelta(WAIT).orElseThrow(() -> new AssertionError("no events to cut into a delta"));
  }

  long revision() throws Exception {
    return client.getKVClient().get(ByteSequence.from(new byte[] {0})).get(10, TimeUnit.SECONDS).getHeader()
        .getRevision();
  }

  /** Every key of the etcd behind {@code c} at {@code revision} (0: now), as comparable text. */
  static Map<String, String> keyspace(Client c, long revision) throws Exception {
    ByteSequence all = ByteSequence.from(new byte[] {0});
    GetOption.Builder b = GetOption.builder().withRange(all);
    if (revision > 0) {
      b.withRevision(revision);
    }
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv : c.getKVClient().get(all, b.build()).get(30, TimeUnit.SECONDS).getKvs()) {
      out.put(kv.getKey().toString(StandardCharsets.UTF_8),
          "value=" + HexFormat.of().formatHex(kv.getValue().getBytes()) + " create=" + kv.getCreateRevision()
              + " mod=" + kv.getModRevision() + " version=" + kv.getVersion() + " lease=" + Long.toHexString(kv.getLease()));
    }
    return out;
  }

  /** Starts a temporary etcd on a restored data dir and checks it equals the source at {@code revision}. */
  void assertRestored(Path dataDir, String name, long revision) throws Exception {
    Map<String, String> expected = keyspace(client, revision);
    assertTrue(expected.size() > 5, "the source keyspace at " + revision + " is too small to mean anything");
    try (TempEtcd t = TempEtcd.start(dataDir, name, new TempEtcd.Options(
        dev.cairn.testkit.Prerequisites.etcd(), "127.0.0.1", 1L << 30, Duration.ofSeconds(60),
        dir.resolve("check-" + name + ".log")))) {
      long got = t.status().getHeader().getRevision();
      assertEquals(revision, got, "restored revision");
      Map<String, String> actual = keyspace(t.client(), 0);
      assertEquals(expected.size(), actual.size(), "number of keys at revision " + revision);
      for (var e : expected.entrySet()) {
        assertEquals(e.getValue(), actual.get(e.getKey()), "key " + e.getKey() + " at revision " + revision);
      }
    }
  }

  static URI uri(String s) {
    return URI.create(s);
  }

  @Override
  public void close() throws Exception {
    agent.close();
    client.close();
    store.close();
    etcd.close();
    s3.close();
  }
}
