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
    System.out.printf("RESULT heap after the first build, after GC: %d MiB%n", usedAfterGc());

    Etcd live = client.resources(Etcd.class).inNamespace("ns").withName("bench").get();
    List<Double> times = new ArrayList<>();
    long before = writes.get();
    CatalogSync.Stats last = null;
    for (int i = 0; i < 3; i++) {
      long t = System.nanoTime();
      try (EtcdStore store = EtcdStore.open(client, live)) {
        last = catalog.sync.full("ns", "bench", store);
      }
      times.add((System.nanoTime() - t) / 1e9);
    }
    Collections.sort(times);
    System.out.printf("RESULT full resync of an unchanged store: median %.2f s (runs %s), %s, %d API writes%n",
        times.get(1), times, last.summary(), writes.get() - before);
    System.out.printf("RESULT heap after the resyncs, after GC: %d MiB%n", usedAfterGc());

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
    System.out.printf("RESULT heap after the restart, after GC: %d MiB (limit %d MiB)%n", usedAfterGc(),
        Runtime.getRuntime().maxMemory() >> 20);
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
