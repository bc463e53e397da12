package dev.cairn.controller.catalog;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.testkit.S3Server;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The catalog benchmark's operator side (its own JVM, heap capped by the script): the catalog
 * reconcilers alone against the benchmark API server and store. Measures the first catalog build
 * (one record per stored snapshot), full resyncs of an unchanged store (which must write nothing),
 * and a restart (informer relist, then a full resync). Prints {@code RESULT} lines.
 *
 * <pre>CatalogBench API_URL S3_ENDPOINT BUCKET SNAPSHOTS</pre>
 */
public final class CatalogBench {

  private CatalogBench() {}

  /** The largest heap left after any collection, per phase (GC notifications). */
  private static final class GcWatch {
    private volatile long peak;
    private final java.util.Set<String> heapPools = new java.util.HashSet<>();

    GcWatch() {
      for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == java.lang.management.MemoryType.HEAP) {
          heapPools.add(pool.getName());
        }
      }
      for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((javax.management.NotificationEmitter) gc).addNotificationListener((n, h) -> {
          if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
          }
          var info = com.sun.management.GarbageCollectionNotificationInfo.from(
              (javax.management.openmbean.CompositeData) n.getUserData());
          long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
              .filter(e -> heapPools.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
          if (used > peak) {
            peak = used;
          }
        }, null, null);
      }
    }

    /** The peak since the last call, in MiB. */
    long takePeak() {
      long p = peak;
      peak = 0;
      return p >> 20;
    }
  }

  public static void main(String[] args) throws Exception {
    String api = args[0];
    URI s3 = URI.create(args[1]);
    String bucket = args[2];
    int n = Integer.parseInt(args[3]);
    Config kc = new ConfigBuilder(Config.empty()).withMasterUrl(api).withNamespace("ns").withTrustCerts(true)
        .withRequestTimeout(60_000).withMaxConcurrentRequests(64).withMaxConcurrentRequestsPerHost(64).build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(kc).build();
    client.secrets().inNamespace("ns").resource(new SecretBuilder().withNewMetadata().withName("s3-credentials")
        .endMetadata().addToStringData("accessKeyID", S3Server.ACCESS_KEY)
        .addToStringData("secretAccessKey", S3Server.SECRET_KEY).build()).create();
    Etcd e = new Etcd("ns", "bench");
    dev.cairn.api.v1alpha1.BackupStore st = new dev.cairn.api.v1alpha1.BackupStore();
    st.setProvider(dev.cairn.api.v1alpha1.StoreProvider.S3);
    st.setBucket(bucket);
    st.setEndpoint(s3.toString());
    st.setForcePathStyle(true);
    st.setCredentialsSecretRef(new dev.cairn.api.v1alpha1.SecretRef("s3-credentials"));
    dev.cairn.api.v1alpha1.BackupSpec b = new dev.cairn.api.v1alpha1.BackupSpec();
    b.setStore(st);
    e.getSpec().setBackup(b);
    // No periodic resync while measuring: the passes below are started on purpose.
    OperatorConfig cfg = OperatorConfig.builder().maxReconcileInterval(Duration.ofHours(1)).build();
    AtomicLong writes = new AtomicLong();

    GcWatch gc = new GcWatch();
    Operator op = operator(client);
    Catalog catalog = Catalog.register(op, client, cfg, "bench", Clock.systemUTC(), (k, v) -> writes.incrementAndGet());
    op.start();
    long t0 = System.nanoTime();
    client.resources(Etcd.class).inNamespace("ns").resource(e).create();
    long[] lastWrite = {System.nanoTime(), 0};
    waitFor(() -> {
      long w = writes.get();
      if (w != lastWrite[1]) {
        lastWrite[0] = System.nanoTime();
        lastWrite[1] = w;
      }
      return catalog.index().records() >= n && System.nanoTime() - lastWrite[0] > 1_000_000_000L;
    }, Duration.ofMinutes(30), "the first catalog");
    double build = (lastWrite[0] - t0) / 1e9;
    System.out.printf("RESULT first build: %d records (%d API writes) in %.1f s, %.0f records/s; operator CPU %.1f s%n",
        catalog.index().records(), writes.get(), build, n / build, cpuSeconds());
    System.out.printf("RESULT heap during the first build: peak after GC %d MiB; after it, after GC: %d MiB%n",
        gc.takePeak(), usedAfterGc());
    gc.takePeak();

    Etcd live = client.resources(Etcd.class).inNamespace("ns").withName("bench").get();
    List<Double> times = new ArrayList<>();
    long before = writes.get();
    double cpu0 = cpuSeconds();
    CatalogSync.Stats last = null;
    for (int i = 0; i < 3; i++) {
      long t = System.nanoTime();
      try (EtcdStore store = EtcdStore.open(client, live)) {
        last = catalog.sync.full("ns", "bench", store);
      }
      times.add((System.nanoTime() - t) / 1e9);
    }
    Collections.sort(times);
    System.out.printf("RESULT full resync of an unchanged store: median %.2f s (runs %s), %s, %d API writes;"
        + " operator CPU %.1f s for the 3%n", times.get(1), times, last.summary(), writes.get() - before, cpuSeconds() - cpu0);
    System.out.printf("RESULT heap during the resyncs: peak after GC %d MiB; after them, after GC: %d MiB%n",
        gc.takePeak(), usedAfterGc());
    gc.takePeak();
    // The floor: the same listing as plain MinIO paging with continuation tokens, nothing else done.
    long tf = System.nanoTime();
    io.minio.MinioClient raw = io.minio.MinioClient.builder().endpoint(s3.toString()).region(S3Server.REGION)
        .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).build();
    long keys = 0;
    for (var r : raw.listObjects(io.minio.ListObjectsArgs.builder().bucket(bucket).prefix("ns/bench/").recursive(true)
        .maxKeys(1000).build())) {
      r.get();
      keys++;
    }
    System.out.printf("RESULT floor: listing the %d keys with plain MinIO paging takes %.2f s on this S3Proxy%n", keys,
        (System.nanoTime() - tf) / 1e9);

    op.stop();
    long t1 = System.nanoTime();
    Operator again = operator(client);
    Catalog c2 = Catalog.register(again, client, cfg, "bench", Clock.systemUTC(), (k, v) -> writes.incrementAndGet());
    again.start(); // returns once the informers have listed every record
    double relist = (System.nanoTime() - t1) / 1e9;
    long t2 = System.nanoTime();
    try (EtcdStore store = EtcdStore.open(client, live)) {
      last = c2.sync.full("ns", "bench", store);
    }
    System.out.printf("RESULT restart: informers synced (%d records) in %.1f s, then a full resync in %.2f s: %s%n",
        c2.index().records(), relist, (System.nanoTime() - t2) / 1e9, last.summary());
    System.out.printf("RESULT heap during the restart (informer relist: the mock server ignores the list limit and"
        + " answers all records at once): peak after GC %d MiB; after it, after GC: %d MiB (limit %d MiB)%n",
        gc.takePeak(), usedAfterGc(), Runtime.getRuntime().maxMemory() >> 20);
    again.stop();
    client.close();
    System.exit(0);
  }

  private static Operator operator(KubernetesClient client) {
    return new Operator(o -> o.withKubernetesClient(client)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withCloseClientOnStop(false)
        .checkingCRDAndValidateLocalModel(false));
  }

  /** CPU time of this JVM so far: shows whether the operator or the API server bounds the first build. */
  private static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime()
        / 1e9;
  }

  private static long usedAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  private static void waitFor(java.util.function.BooleanSupplier done, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}
