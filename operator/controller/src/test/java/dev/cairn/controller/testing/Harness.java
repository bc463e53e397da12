package dev.cairn.controller.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.CairnOperator;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.testkit.ApiServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One test world: the CRUD mock API server with cairn's CRDs, the fake cluster (StatefulSet
 * controller, kubelet, agents), fake etcd and agent clients, and the operator under test, wired with
 * short requeue intervals. Every wait is bounded and says what it waited for.
 */
public final class Harness implements AutoCloseable {

  public static final String NS = "ns";
  public static final Duration WAIT = Duration.ofSeconds(30);

  public final ApiServer api;
  public final KubernetesClient client;
  public final FakeCluster cluster;
  public final FakeEtcdAdmin etcd;
  public final FakeAgentClient agents;
  public final CairnOperator operator;

  // The mock web server logs every request through java.util.logging; kept referenced so the level sticks.
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private Harness(OperatorConfig cfg) {
    api = ApiServer.start();
    client = api.client();
    cluster = new FakeCluster(client, NS);
    etcd = new FakeEtcdAdmin(cluster);
    agents = new FakeAgentClient();
    operator = CairnOperator.builder(api.newClient())
        .config(cfg)
        .etcdAdmin(etcd)
        .agentClient(agents)
        .identity("test-operator")
        .build()
        .start();
  }

  /** Test timing: quick requeues so state changes show within a second. */
  public static OperatorConfig.Builder testConfig() {
    return OperatorConfig.builder()
        .requeueSteady(Duration.ofMillis(500))
        .requeueWhileChanging(Duration.ofMillis(200))
        .agentImage("example.test/cairn:test")
        .etcdImageTemplate("example.test/cairn-etcd:v{version}");
  }

  public static Harness start() {
    return new Harness(testConfig().build());
  }

  public static Harness start(OperatorConfig cfg) {
    return new Harness(cfg);
  }

  /** A 3-member Etcd with defaults. */
  public static Etcd etcd(String name) {
    return new Etcd(NS, name);
  }

  public Etcd create(Etcd e) {
    return client.resources(Etcd.class).inNamespace(NS).resource(e).create();
  }

  public Etcd get(String name) {
    return client.resources(Etcd.class).inNamespace(NS).withName(name).get();
  }

  /** Changes the Etcd (spec or metadata) with optimistic retries. */
  public Etcd edit(String name, Consumer<Etcd> change) {
    return client.resources(Etcd.class).inNamespace(NS).withName(name).edit(e -> {
      change.accept(e);
      return e;
    });
  }

  public Condition condition(String name, String type) {
    Etcd e = get(name);
    if (e == null || e.getStatus() == null || e.getStatus().getConditions() == null) {
      return null;
    }
    return e.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  public boolean conditionIs(String name, String type, String status) {
    Condition c = condition(name, type);
    return c != null && status.equals(c.getStatus());
  }

  public List<Event> events(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  public boolean hasEvent(String name, String reason) {
    return events(name).stream().anyMatch(e -> reason.equals(e.getReason()));
  }

  public static void await(String what, BooleanSupplier condition) {
    await(what, WAIT, condition, () -> "");
  }

  public static void await(String what, BooleanSupplier condition, Supplier<String> diagnostics) {
    await(what, WAIT, condition, diagnostics);
  }

  public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> diagnostics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // not there yet
      }
      sleep(50);
    }
    fail("timed out after " + timeout.toSeconds() + "s waiting for " + what + ". " + diagnostics.get());
  }

  /** Waits until the cluster is fully up: every member ready, quorate, Create succeeded. */
  public void awaitReady(String name) {
    await(name + " to have all members ready and quorum",
        () -> conditionIs(name, "AllMembersReady", "True") && conditionIs(name, "Ready", "True"),
        () -> "status: " + (get(name) == null ? null : get(name).getStatus()));
  }

  /**
   * The steady-state check: with the fake cluster quiet, one more operator pass over a settled cluster
   * must write nothing at all to the API server.
   */
  public void assertSteadyStateWritesNothing() {
    cluster.pause();
    try {
      // Settle: no operator write for a while.
      double last = -1;
      long quietSince = System.nanoTime();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        double w = operator.metrics().writes();
        if (w != last) {
          last = w;
          quietSince = System.nanoTime();
        } else if (System.nanoTime() - quietSince > Duration.ofMillis(1500).toNanos()) {
          break;
        }
        sleep(50);
      }
      api.resetWrites();
      long passes = operator.passes();
      await("two more reconcile passes", () -> operator.passes() >= passes + 2);
      assertEquals(List.of(), api.writes(), "a steady-state reconcile must not write");
    } finally {
      cluster.resume();
    }
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      operator.close();
    } finally {
      try {
        cluster.close();
      } finally {
        api.close();
      }
    }
  }
}
