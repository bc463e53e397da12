package dev.cairn.controller.bench;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.CairnOperator;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.model.Names;
import dev.cairn.controller.testing.FakeAgentClient;
import dev.cairn.controller.testing.FakeCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The operator benchmark (hack/bench-operator.sh): N Etcds created at once against the mock API server
 * (another JVM), the operator in this JVM. Reports the time until every Etcd has all its resources and
 * a status, the time until every one reports ready members once pods and agents appear, the operator's
 * heap, and the writes of a full resync afterwards (periodic, and after an operator restart).
 */
public final class OperatorBench {

  private static final String NS = "bench";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private OperatorBench() {}

  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String s : args) {
      a.put(s.substring(2, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
    }
    String api = a.get("api");
    String control = a.get("control");
    int n = Integer.parseInt(a.getOrDefault("etcds", "500"));
    java.util.logging.Logger.getLogger("io.fabric8").setLevel(java.util.logging.Level.WARNING);

    OperatorConfig cfg = OperatorConfig.builder()
        .requeueSteady(Duration.ofSeconds(10))
        // Leases are written once by the benchmark: keep members from ageing into Unknown during the run.
        .memberUnknownAfter(Duration.ofMinutes(30))
        .memberNotReadyAfter(Duration.ofMinutes(60))
        .build();
    KubernetesClient driver = client(api);
    CairnOperator op = CairnOperator.builder(client(api)).config(cfg).agentClient(new FakeAgentClient())
        .identity("bench").build();
    long t0 = System.nanoTime();
    op.start();
    System.out.printf("operator started in %d ms%n", ms(t0));

    // Phase 1: N Etcds at once.
    ExecutorService pool = Executors.newFixedThreadPool(16);
    long t1 = System.nanoTime();
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "e" + i;
      fs.add(pool.submit(() -> driver.resources(Etcd.class).inNamespace(NS).resource(new Etcd(NS, name)).create()));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    System.out.printf("created %d Etcds in %d ms%n", n, ms(t1));
    await("every Etcd has all its resources and a status", () -> complete(driver, n), Duration.ofMinutes(10));
    long created = ms(t1);
    System.out.printf("RESULT all %d Etcds have all resources and a status after %d ms%n", n, created);
    System.out.printf("RESULT writes by the operator so far: %s%n", writesByKind(op));

    // Phase 2: pods and agents appear (what the StatefulSet controller, kubelets and agents would do).
    long t2 = System.nanoTime();
    List<StatefulSet> sets = driver.apps().statefulSets().inNamespace(NS).list().getItems();
    fs.clear();
    for (StatefulSet s : sets) {
      fs.add(pool.submit(() -> populate(driver, s)));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    System.out.printf("pods, volumes and member Leases written in %d ms%n", ms(t2));
    await("every Etcd reports all members ready", () -> allReady(driver, n), Duration.ofMinutes(10));
    long ready = ms(t2);
    System.out.printf("RESULT all %d Etcds report quorum and all members ready %d ms after the pods appeared%n", n, ready);

    // Phase 3: settle, then a full periodic resync must write nothing.
    settle(op);
    long heap = heapAfterGc();
    post(control + "/reset");
    double opWrites = op.metrics().writes();
    long passes = op.passes();
    long t3 = System.nanoTime();
    await("a full resync (every Etcd reconciled again)", () -> op.passes() >= passes + n, Duration.ofMinutes(5));
    long resync = ms(t3);
    long writes = Long.parseLong(get(control + "/writes").strip());
    System.out.printf("RESULT periodic resync of %d Etcds (%d passes) in %d ms: %d writes to the API server"
        + " (operator counted %d)%n", n, op.passes() - passes, resync, writes, (long) (op.metrics().writes() - opWrites));
    if (writes > 0) {
      System.out.println(get(control + "/sample"));
    }
    System.out.printf("RESULT operator heap after GC: %d MiB used (%d MiB committed, max %d MiB)%n", heap >> 20,
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() >> 20,
        Runtime.getRuntime().maxMemory() >> 20);

    // Phase 4: restart the operator; its first pass over every Etcd must write nothing either.
    op.close();
    post(control + "/reset");
    CairnOperator again = CairnOperator.builder(client(api)).config(cfg).agentClient(new FakeAgentClient())
        .identity("bench-2").build();
    long t4 = System.nanoTime();
    again.start();
    await("the restarted operator to reconcile every Etcd", () -> again.passes() >= n, Duration.ofMinutes(5));
    long cold = ms(t4);
    settle(again);
    long coldWrites = Long.parseLong(get(control + "/writes").strip());
    System.out.printf("RESULT restart: %d Etcds reconciled %d ms after start (informer sync included): %d writes%n",
        n, cold, coldWrites);
    if (coldWrites > 0) {
      System.out.println(get(control + "/sample"));
    }
    again.close();
    pool.shutdownNow();
  }

  private static String writesByKind(CairnOperator op) {
    Map<String, Long> m = new java.util.TreeMap<>();
    op.registry().find("cairn_operator_writes").counters().forEach(c ->
        m.merge(c.getId().getTag("kind") + " " + c.getId().getTag("verb"), (long) c.count(), Long::sum));
    return m.toString();
  }

  private static KubernetesClient client(String api) {
    Config c = new ConfigBuilder().withMasterUrl(api).withTrustCerts(true).withNamespace(NS)
        .withRequestTimeout(120_000).withMaxConcurrentRequests(64).withMaxConcurrentRequestsPerHost(64).build();
    return new KubernetesClientBuilder().withConfig(c).build();
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static <T extends HasMetadata> Map<String, Integer> perInstance(List<T> items) {
    Map<String, Integer> m = new HashMap<>();
    for (T t : items) {
      Map<String, String> l = t.getMetadata().getLabels();
      if (l != null && l.get(Labels.INSTANCE) != null) {
        m.merge(l.get(Labels.INSTANCE), 1, Integer::sum);
      }
    }
    return m;
  }

  private static boolean complete(KubernetesClient c, int n) {
    long withStatus = c.resources(Etcd.class).inNamespace(NS).list().getItems().stream()
        .filter(e -> e.getStatus() != null && e.getStatus().getConditions() != null).count();
    if (withStatus < n) {
      return false;
    }
    List<Function<KubernetesClient, List<? extends HasMetadata>>> kinds = List.of(
        k -> k.apps().statefulSets().inNamespace(NS).list().getItems(),
        k -> k.configMaps().inNamespace(NS).list().getItems(),
        k -> k.policy().v1().podDisruptionBudget().inNamespace(NS).list().getItems(),
        k -> k.serviceAccounts().inNamespace(NS).list().getItems(),
        k -> k.rbac().roles().inNamespace(NS).list().getItems(),
        k -> k.rbac().roleBindings().inNamespace(NS).list().getItems());
    for (var kind : kinds) {
      if (perInstance(kind.apply(c)).values().stream().filter(v -> v >= 1).count() < n) {
        return false;
      }
    }
    if (perInstance(c.services().inNamespace(NS).list().getItems()).values().stream().filter(v -> v >= 2).count() < n) {
      return false;
    }
    return perInstance(c.leases().inNamespace(NS).list().getItems()).values().stream().filter(v -> v >= 5).count() >= n;
  }

  private static boolean allReady(KubernetesClient c, int n) {
    return c.resources(Etcd.class).inNamespace(NS).list().getItems().stream().filter(e -> e.getStatus() != null
        && e.getStatus().getConditions() != null
        && e.getStatus().getConditions().stream().filter(x -> x.getType().equals("AllMembersReady")
            || x.getType().equals("Ready")).allMatch(x -> "True".equals(x.getStatus()))
        && e.getStatus().getReadyReplicas() != null && e.getStatus().getReadyReplicas() == 3).count() >= n;
  }

  private static Object populate(KubernetesClient c, StatefulSet sts) {
    String etcd = sts.getMetadata().getName();
    var t = sts.getSpec().getTemplate();
    for (int i = 0; i < sts.getSpec().getReplicas(); i++) {
      String pod = Names.pod(etcd, i);
      c.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
          .withNewMetadata().withName("data-" + pod).withLabels(sts.getSpec().getVolumeClaimTemplates().get(0)
              .getMetadata().getLabels()).endMetadata()
          .withNewSpec().withAccessModes("ReadWriteOnce").endSpec()
          .withNewStatus().withPhase("Bound").endStatus().build()).create();
      c.pods().inNamespace(NS).resource(new PodBuilder()
          .withNewMetadata().withName(pod).withLabels(t.getMetadata().getLabels())
          .withAnnotations(t.getMetadata().getAnnotations())
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
              .withName(etcd).withUid(sts.getMetadata().getUid()).build())
          .endMetadata()
          .withNewStatus().withPhase("Running").withPodIP("10.1." + (Math.abs(etcd.hashCode()) % 250) + "." + i)
          .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
          .build()).create();
      Lease l = c.leases().inNamespace(NS).withName(pod).get();
      l.getSpec().setHolderIdentity(FakeCluster.memberId(pod) + ":" + FakeCluster.CLUSTER_ID + ":"
          + (i == 0 ? "Leader" : "Member"));
      l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS));
      c.leases().inNamespace(NS).resource(l).update();
    }
    return null;
  }

  // Waits until the operator has written nothing for 3 s.
  private static void settle(CairnOperator op) throws InterruptedException {
    double last = -1;
    long quiet = System.nanoTime();
    while (System.nanoTime() - quiet < 3_000_000_000L) {
      double w = op.metrics().writes();
      if (w != last) {
        last = w;
        quiet = System.nanoTime();
      }
      Thread.sleep(100);
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void await(String what, Check check, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (check.ok()) {
        return;
      }
      // Coarse: each check lists every kind from the mock server, which competes with the operator for CPU.
      Thread.sleep(1000);
    }
    throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
  }

  private static String get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static void post(String url) throws Exception {
    HTTP.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding());
  }
}
