package dev.cairn.agent.bench;

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
import dev.cairn.agent.restore.TokenPreflight;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.LocalStore;
import dev.cairn.agent.store.StoreUrl;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The restore benchmark behind hack/bench-restore.sh: {@code RestoreBench WORK BASE_MIB EVENTS}.
 * Builds a chain (a full snapshot of BASE_MIB of 1 MiB values, then EVENTS delta events: puts,
 * deletes, 3-key transactions), measures in one run the raw put rate of a fresh etcd on this disk
 * (the temporary etcd's own flags), restores the chain, times etcdctl/etcdutl alone on the same full
 * snapshot, and proves the restored keyspace equal to the source's. Prints one figure per line.
 */
public final class RestoreBench {

  private RestoreBench() {}

  private static final int WINDOW = 256;

  public static void main(String[] a) throws Exception {
    Path work = Path.of(a[0]);
    int baseMib = Integer.parseInt(a[1]);
    int events = Integer.parseInt(a[2]);
    EtcdTools tools = EtcdTools.find(System.getenv());
    long quota = 8L * 1024 * 1024 * 1024;
    Random rnd = new Random(1);
    try (TempEtcd source = TempEtcd.start(work.resolve("source"), "source",
        new TempEtcd.Options(tools.etcd(), "127.0.0.1", quota, Duration.ofMinutes(2), work.resolve("source.log")))) {
      Client c = source.client();
      long t = System.nanoTime();
      byte[] big = new byte[1 << 20];
      ArrayDeque<CompletableFuture<?>> inflight = new ArrayDeque<>();
      for (int i = 0; i < baseMib; i++) {
        rnd.nextBytes(big);
        inflight.add(c.getKVClient().put(ByteSequence.from("base/" + i, StandardCharsets.UTF_8), ByteSequence.from(big)));
        if (inflight.size() >= 4) {
          inflight.poll().get(2, TimeUnit.MINUTES);
        }
      }
      for (CompletableFuture<?> f : inflight) {
        f.get(2, TimeUnit.MINUTES);
      }
      System.out.printf("fill             %d MiB of 1 MiB values in %.1f s%n", baseMib, secs(t));

      Path storeDir = work.resolve("store");
      Files.createDirectories(storeDir);
      BackupStore store = new LocalStore(storeDir);
      AgentConfig cfg = new AgentConfig();
      cfg.etcdEndpoint = source.clientUrl();
      cfg.store = StoreUrl.parse("file://" + storeDir);
      cfg.scratchDir = work.resolve("agent-scratch");
      cfg.fullSchedule = null;
      cfg.deltaPeriod = Duration.ofHours(1);
      cfg.deltaMemoryLimit = 32L * 1024 * 1024;
      cfg.heartbeat = Duration.ofMillis(500);
      long full;
      long end;
      long written;
      try (SnapshotService agent = new SnapshotService(cfg, new EtcdNode(cfg.etcdEndpoint, Duration.ofSeconds(30)),
          store, LeasePort.NONE, new AgentMetrics(), Clock.systemUTC(), RevisionSource.datadir())) {
        t = System.nanoTime();
        agent.start();
        while (SnapshotCatalog.of(store.listAll()).newestFull().isEmpty()) {
          Thread.sleep(200);
        }
        full = SnapshotCatalog.of(store.listAll()).newestFull().get().endRevision();
        System.out.printf("full snapshot    revision %d, %d bytes, %.1f s%n", full,
            SnapshotCatalog.of(store.listAll()).newestFull().get().object().size(), secs(t));
        t = System.nanoTime();
        written = workload(c, events, rnd);
        System.out.printf("workload         %d delta events written in %.1f s%n", written, secs(t));
        agent.onceDelta(Duration.ofMinutes(10));
        end = SnapshotCatalog.of(store.listAll()).newestEndRevision();
        long deltas = SnapshotCatalog.of(store.listAll()).snapshots().stream()
            .filter(e -> e.kind() == SnapshotKind.DELTA).count();
        System.out.printf("chain            full at %d + %d delta(s) up to revision %d%n", full, deltas, end);
      }
      String sourceHash = keyspaceHash(c, end);

      // The limit: puts into a fresh etcd with the temporary etcd's flags, on the same disk.
      try (TempEtcd fresh = TempEtcd.start(work.resolve("fresh"), "fresh",
          new TempEtcd.Options(tools.etcd(), "127.0.0.1", quota, Duration.ofMinutes(2), work.resolve("fresh.log")))) {
        Client f = fresh.client();
        int n = Math.min(events, 100_000);
        t = System.nanoTime();
        ArrayDeque<CompletableFuture<?>> q = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
          q.add(f.getKVClient().put(ByteSequence.from("d/" + rnd.nextInt(20_000), StandardCharsets.UTF_8), value(rnd)));
          if (q.size() >= WINDOW) {
            q.poll().get(1, TimeUnit.MINUTES);
          }
        }
        for (CompletableFuture<?> x : q) {
          x.get(1, TimeUnit.MINUTES);
        }
        double pipelined = n / secs(t);
        int m = 2000;
        t = System.nanoTime();
        for (int i = 0; i < m; i++) {
          f.getKVClient().put(ByteSequence.from("s/" + i, StandardCharsets.UTF_8), value(rnd)).get(1, TimeUnit.MINUTES);
        }
        double sequential = m / secs(t);
        System.out.printf("raw put rate     %.0f puts/s with %d in flight (unordered); %.0f puts/s one at a time%n",
            pipelined, WINDOW, sequential);
        System.out.printf("RAW_PIPELINED %.0f%nRAW_SEQUENTIAL %.0f%n", pipelined, sequential);
      }

      ChainRestorer restorer = new ChainRestorer(store, new ChainRestorer.Settings(work.resolve("restore-scratch"),
          null, new TokenPreflight(null, false), tools, "127.0.0.1", quota, 4, Duration.ofHours(1)));
      t = System.nanoTime();
      ChainRestorer.Result r = restorer.restore(RestoreTarget.latest(),
          RestoredMember.alone("r0", "http://127.0.0.1:2380", "bench"), work.resolve("restored"), false);
      double total = secs(t);
      double rate = r.deltaEvents() / (r.replay().toNanos() / 1e9);
      System.out.printf("restore          %.1f s total: fetch+verify %.1f s, base restore (%s) %.1f s, delta replay"
              + " %.1f s for %d events in %d revisions%n", total, r.baseFetch().toNanos() / 1e9,
          tools.restoreTool().getFileName(), r.baseRestore().toNanos() / 1e9, r.replay().toNanos() / 1e9,
          r.deltaEvents(), r.deltaRevisions());
      System.out.printf("apply rate       %.0f events/s (%.0f revisions/s; temporary etcd start and stop included)%n",
          rate, r.deltaRevisions() / (r.replay().toNanos() / 1e9));
      System.out.printf("APPLY_RATE %.0f%n", rate);

      // The tool alone on the same full snapshot, for comparison with the base restore above.
      var fullEntry = SnapshotCatalog.of(store.listAll()).newestFull().orElseThrow();
      Path snap = storeDir.resolve(fullEntry.object().name());
      t = System.nanoTime();
      ProcessBuilder pb = new ProcessBuilder(tools.restoreTool().toString(), "snapshot", "restore", snap.toString(),
          "--data-dir=" + work.resolve("tool-only"), "--name=r0", "--initial-cluster=r0=http://127.0.0.1:2380",
          "--initial-advertise-peer-urls=http://127.0.0.1:2380").redirectErrorStream(true)
          .redirectOutput(work.resolve("tool.log").toFile());
      pb.environment().put("ETCDCTL_API", "3");
      int code = pb.start().waitFor();
      System.out.printf("tool alone       %s snapshot restore of the same file: %.1f s (exit %d)%n",
          tools.restoreTool().getFileName(), secs(t), code);

      try (TempEtcd restored = TempEtcd.start(work.resolve("restored"), "r0",
          new TempEtcd.Options(tools.etcd(), "127.0.0.1", quota, Duration.ofMinutes(2), work.resolve("check.log")))) {
        long rev = restored.status().getHeader().getRevision();
        String hash = keyspaceHash(restored.client(), 0);
        boolean same = rev == end && hash.equals(sourceHash);
        System.out.printf("check            restored revision %d (source %d), keyspace sha256 %s: %s%n", rev, end,
            hash.substring(0, 16), same ? "equal to the source" : "DIFFERENT from the source " + sourceHash);
        if (!same) {
          System.exit(1);
        }
      }
    }
    System.exit(0);
  }

  private static ByteSequence value(Random rnd) {
    byte[] v = new byte[100 + rnd.nextInt(200)];
    rnd.nextBytes(v);
    return ByteSequence.from(v);
  }

  /** Puts (85%), deletes (10%) and 3-put transactions (5%), WINDOW in flight, until {@code events} events. */
  private static long workload(Client c, int events, Random rnd) throws Exception {
    AtomicLong written = new AtomicLong();
    ArrayDeque<CompletableFuture<?>> q = new ArrayDeque<>();
    long issued = 0;
    while (written.get() + (long) q.size() < events + 1000L && issued < events * 3L) {
      int r = rnd.nextInt(100);
      CompletableFuture<?> f;
      if (r < 85) {
        f = c.getKVClient().put(ByteSequence.from("d/" + rnd.nextInt(20_000), StandardCharsets.UTF_8), value(rnd))
            .thenRun(written::incrementAndGet);
      } else if (r < 95) {
        f = c.getKVClient().delete(ByteSequence.from("d/" + rnd.nextInt(20_000), StandardCharsets.UTF_8))
            .thenAccept(d -> written.addAndGet(d.getDeleted()));
      } else {
        int k = rnd.nextInt(5_000);
        f = c.getKVClient().txn().Then(
            Op.put(ByteSequence.from("t/" + k + "/a", StandardCharsets.UTF_8), value(rnd), PutOption.DEFAULT),
            Op.put(ByteSequence.from("t/" + k + "/b", StandardCharsets.UTF_8), value(rnd), PutOption.DEFAULT),
            Op.put(ByteSequence.from("t/" + k + "/c", StandardCharsets.UTF_8), value(rnd), PutOption.DEFAULT))
            .commit().thenRun(() -> written.addAndGet(3));
      }
      q.add(f);
      issued++;
      if (q.size() >= WINDOW) {
        q.poll().get(1, TimeUnit.MINUTES);
      }
      if (written.get() >= events) {
        break;
      }
    }
    for (CompletableFuture<?> f : q) {
      f.get(1, TimeUnit.MINUTES);
    }
    return written.get();
  }

  /** sha256 over every key with its value, create/mod revision and version, in key order. */
  private static String keyspaceHash(Client c, long rev) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    ByteSequence from = ByteSequence.from(new byte[] {0});
    ByteSequence all = ByteSequence.from(new byte[] {0});
    while (true) {
      GetOption.Builder b = GetOption.builder().withRange(all).withLimit(3)
          .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
      if (rev > 0) {
        b.withRevision(rev);
      }
      GetResponse r = c.getKVClient().get(from, b.build()).get(2, TimeUnit.MINUTES);
      KeyValue lastKv = null;
      for (KeyValue kv : r.getKvs()) {
        md.update(kv.getKey().getBytes());
        md.update(kv.getValue().getBytes());
        md.update((kv.getCreateRevision() + "/" + kv.getModRevision() + "/" + kv.getVersion())
            .getBytes(StandardCharsets.US_ASCII));
        lastKv = kv;
      }
      if (!r.isMore() || lastKv == null) {
        break;
      }
      byte[] k = lastKv.getKey().getBytes();
      byte[] next = java.util.Arrays.copyOf(k, k.length + 1);
      from = ByteSequence.from(next);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

}
