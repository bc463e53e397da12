package dev.cairn.controller.tasks;

import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.catalog.EtcdStore;
import dev.cairn.controller.catalog.KubeEvents;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.reconcile.WriteListener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Out-of-band operations: {@link TaskReconciler} runs each {@code EtcdOpsTask}'s state machine and
 * {@link TaskTriggers} creates tasks from an Etcd's {@code cairn.dev/operation} annotation and, when
 * {@code spec.recovery.automatic} is true, after a lasting quorum loss. {@link #register} wires both.
 */
public final class Tasks {

  final KubernetesClient client;
  final OperatorConfig cfg;
  final Clock clock;
  final WriteListener writes;
  final KubeEvents events;
  final ClusterOps ops;
  final AgentClient agents;
  /** Agent calls that may take long (a snapshot of a large database) run here, never on a reconcile thread. */
  final ExecutorService executor;
  /** Snapshot requests in flight, by task UID, and whom they went to. */
  final Map<String, CompletableFuture<Optional<AgentClient.Snapshot>>> calls = new ConcurrentHashMap<>();
  final Map<String, String> callTargets = new ConcurrentHashMap<>();
  /** Next look at a task while it waits. */
  final Duration poll;
  final Duration snapshotTimeout;

  private Tasks(KubernetesClient client, OperatorConfig cfg, AgentClient agents, String identity, Clock clock,
      WriteListener writes) {
    this.client = client;
    this.cfg = cfg;
    this.clock = clock;
    this.writes = writes;
    this.agents = agents;
    this.events = new KubeEvents(client, identity, clock, writes);
    this.ops = new ClusterOps(client, cfg, writes);
    this.poll = cfg.requeueWhileChanging;
    this.snapshotTimeout = cfg.finalSnapshotTimeout;
    // Daemon threads that end when idle: nothing to close when the operator stops or loses the lease.
    ThreadPoolExecutor ex = new ThreadPoolExecutor(0, 32, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "cairn-task-call");
      t.setDaemon(true);
      return t;
    });
    this.executor = ex;
  }

  /** Registers the task reconciler and the Etcd-side triggers. */
  public static Tasks register(Operator operator, KubernetesClient client, OperatorConfig cfg, AgentClient agents,
      String identity, Clock clock, WriteListener writes) {
    Tasks t = new Tasks(client, cfg, agents, identity, clock, writes);
    operator.register(new TaskReconciler(t), o -> {
      o.withGenerationAware(false).withOnUpdateFilter(TaskReconciler::taskChanged);
      if (!cfg.namespaces.isEmpty()) {
        o.settingNamespaces(cfg.namespaces);
      }
    });
    operator.register(new TaskTriggers(t), o -> {
      o.withGenerationAware(false).withOnUpdateFilter(TaskTriggers::etcdChanged);
      if (!cfg.namespaces.isEmpty()) {
        o.settingNamespaces(cfg.namespaces);
      }
    });
    return t;
  }

  /** Whether a task of this name exists and has not finished. */
  boolean activeTask(String namespace, String name) {
    EtcdOpsTask t = client.resources(EtcdOpsTask.class).inNamespace(namespace).withName(name).get();
    return t != null && !(t.getStatus() != null && Admission.finished(t.getStatus().getPhase()));
  }

  long newestEnd(EtcdStore store) throws IOException {
    return dev.cairn.controller.catalog.StoreScan.newestEnd(store, dev.cairn.controller.catalog.Catalog.PAGE_SIZE);
  }
}
