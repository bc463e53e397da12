package dev.cairn.controller.tasks;

import static dev.cairn.controller.testing.Harness.await;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdOpsTaskSpec;
import dev.cairn.api.v1alpha1.LocalEtcdReference;
import dev.cairn.api.v1alpha1.StepState;
import dev.cairn.api.v1alpha1.TaskPhase;
import dev.cairn.api.v1alpha1.TaskStep;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.CairnOperator;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.testing.FakeCluster;
import dev.cairn.controller.testing.FakeEtcdAdmin;
import dev.cairn.controller.testing.Harness;
import dev.cairn.testkit.ApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The test world of the task ITs: the CRUD mock API server, the fake cluster (StatefulSet controller,
 * kubelet, member Leases) with a heartbeat renewing the Leases, the fake agents, and an operator that
 * can be restarted (stopped, and a new one started on the same API server) at any moment.
 */
final class TaskWorld implements AutoCloseable {

  static final String NS = Harness.NS;

  final ApiServer api;
  final KubernetesClient client;
  final FakeCluster cluster;
  final FakeEtcdAdmin etcdAdmin;
  final FakeAgents agents;
  final OperatorConfig cfg;
  private volatile CairnOperator operator;
  private final Thread heartbeat;
  private volatile boolean running = true;
  int restarts;

  private TaskWorld(OperatorConfig cfg) {
    this.cfg = cfg;
    api = ApiServer.start();
    client = api.client();
    cluster = new FakeCluster(client, NS);
    etcdAdmin = new FakeEtcdAdmin(cluster);
    agents = new FakeAgents(client, NS);
    operator = newOperator();
    heartbeat = new Thread(() -> {
      while (running) {
        try {
          cluster.heartbeat(); // real agents renew their member Lease every few seconds
        } catch (RuntimeException e) {
          // a Lease replaced meanwhile: next beat
        }
        Harness.sleep(300);
      }
    }, "agent-heartbeat");
    heartbeat.setDaemon(true);
    heartbeat.start();
  }

  static TaskWorld start() {
    return new TaskWorld(Harness.testConfig().build());
  }

  private CairnOperator newOperator() {
    return CairnOperator.builder(api.newClient()).config(cfg).etcdAdmin(etcdAdmin).agentClient(agents)
        .identity("test-operator").build().start();
  }

  /** Stops the operator (in-flight passes finish) and starts a new one: all its memory is gone. */
  void restartOperator() {
    operator.close();
    operator = newOperator();
    restarts++;
  }

  Etcd create(Etcd e) {
    return client.resources(Etcd.class).inNamespace(NS).resource(e).create();
  }

  Etcd etcd(String name) {
    return client.resources(Etcd.class).inNamespace(NS).withName(name).get();
  }

  Etcd edit(String name, Consumer<Etcd> change) {
    return client.resources(Etcd.class).inNamespace(NS).withName(name).edit(e -> {
      change.accept(e);
      return e;
    });
  }

  /** Every member ready and quorate. */
  void awaitEtcdReady(String name) {
    await(name + " ready", () -> {
      Etcd e = etcd(name);
      var c = Steps.ready(e);
      var all = Steps.condition(e, "AllMembersReady");
      return c != null && "True".equals(c.getStatus()) && all != null && "True".equals(all.getStatus());
    }, () -> String.valueOf(etcd(name).getStatus()));
  }

  static EtcdOpsTask task(String name, String etcd, TaskType type) {
    EtcdOpsTask t = new EtcdOpsTask();
    t.getMetadata().setName(name);
    t.getMetadata().setNamespace(NS);
    EtcdOpsTaskSpec s = new EtcdOpsTaskSpec();
    s.setEtcdRef(new LocalEtcdReference(etcd));
    s.setType(type);
    t.setSpec(s);
    return t;
  }

  EtcdOpsTask create(EtcdOpsTask t) {
    return client.resource(t).create();
  }

  EtcdOpsTask task(String name) {
    return client.resources(EtcdOpsTask.class).inNamespace(NS).withName(name).get();
  }

  TaskPhase phase(String task) {
    EtcdOpsTask t = task(task);
    return t == null || t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  TaskStep step(String task, String step) {
    EtcdOpsTask t = task(task);
    if (t == null || t.getStatus() == null || t.getStatus().getSteps() == null) {
      return null;
    }
    return t.getStatus().getSteps().stream().filter(s -> s.getName().equals(step)).findFirst().orElse(null);
  }

  void awaitPhase(String task, TaskPhase phase, Duration timeout) {
    await("task " + task + " " + phase.value(), timeout, () -> phase == phase(task), () -> describe(task));
  }

  void awaitPhase(String task, TaskPhase phase) {
    awaitPhase(task, phase, Harness.WAIT);
  }

  /** Holds the task before {@code step} (null: lets it run to the end). */
  void pauseBefore(String task, String step) {
    client.resources(EtcdOpsTask.class).inNamespace(NS).withName(task).edit(t -> {
      if (step == null) {
        if (t.getMetadata().getAnnotations() != null) {
          t.getMetadata().getAnnotations().remove(TaskReconciler.PAUSE_BEFORE_STEP);
        }
      } else {
        t.getMetadata().setAnnotations(t.getMetadata().getAnnotations() == null ? new java.util.HashMap<>()
            : t.getMetadata().getAnnotations());
        t.getMetadata().getAnnotations().put(TaskReconciler.PAUSE_BEFORE_STEP, step);
      }
      return t;
    });
  }

  /** Waits until the task stands paused before {@code step}, every step before it finished. */
  void awaitPausedBefore(String task, String step) {
    await(task + " paused before " + step, () -> {
      EtcdOpsTask t = task(task);
      if (t == null || t.getStatus() == null || t.getStatus().getSteps() == null) {
        return false;
      }
      for (TaskStep s : t.getStatus().getSteps()) {
        if (s.getName().equals(step)) {
          return s.getState() == StepState.PENDING && s.getMessage() != null && s.getMessage().startsWith("Paused");
        }
        if (s.getState() != StepState.SUCCEEDED && s.getState() != StepState.SKIPPED) {
          return false;
        }
      }
      return false;
    }, () -> describe(task));
  }

  /** What a test checks while a task is held after a step. */
  @FunctionalInterface
  interface AfterStep {
    void check(String step) throws Exception;
  }

  /**
   * Creates {@code task} held before its second step, then for every pair of steps: waits until it is
   * held before the next one, runs {@code check} on the step just done, restarts the operator, and lets
   * the task go on to the step after. Returns once the last step may run (the caller waits for the end).
   */
  void runWithRestarts(EtcdOpsTask task, List<String> steps, AfterStep check) throws Exception {
    task.getMetadata().setAnnotations(new java.util.HashMap<>(Map.of(TaskReconciler.PAUSE_BEFORE_STEP, steps.get(1))));
    create(task);
    String name = task.getMetadata().getName();
    for (int i = 1; i < steps.size(); i++) {
      awaitPausedBefore(name, steps.get(i));
      if (!steps.equals(stepNames(task(name)))) {
        throw new AssertionError("steps " + stepNames(task(name)) + ", expected " + steps);
      }
      check.check(steps.get(i - 1));
      restartOperator();
      pauseBefore(name, i + 1 < steps.size() ? steps.get(i + 1) : null);
    }
  }

  /** How many times each step of a task was reported finished (StepSucceeded/StepSkipped events). */
  long finishedEvents(String task, String step) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(ev -> task.equals(ev.getInvolvedObject().getName())
            && ("StepSucceeded".equals(ev.getReason()) || "StepSkipped".equals(ev.getReason()))
            && ev.getMessage().startsWith(step + ":")).count();
  }

  String describe(String task) {
    EtcdOpsTask t = task(task);
    return t == null ? "task " + task + " missing" : "status " + t.getStatus();
  }

  static List<String> stepNames(EtcdOpsTask t) {
    return t.getStatus().getSteps().stream().map(TaskStep::getName).toList();
  }

  static Map<String, String> annotations(EtcdOpsTask t) {
    return t.getMetadata().getAnnotations() == null ? Map.of() : t.getMetadata().getAnnotations();
  }

  @Override
  public void close() {
    running = false;
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
