package dev.cairn.controller.testing;

import dev.cairn.api.Labels;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.model.Names;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays the parts Kubernetes and the agents would in a real cluster, on the mock API server: the
 * StatefulSet controller (pods from the template, PVCs from the claim template, status, pod GC), the
 * kubelet (pods become Ready with an IP) and the agents (member Leases with ID, cluster and role;
 * learners promote themselves after a few rounds). Polls; single-threaded; deterministic.
 */
public final class FakeCluster implements AutoCloseable {

  public static final String CLUSTER_ID = "c1a5c1a5";

  private final KubernetesClient client;
  private final String namespace;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean paused;
  private final AtomicInteger rounds = new AtomicInteger();
  private final AtomicInteger ip = new AtomicInteger(10);

  /** Pods held not ready (by name). */
  public final Set<String> notReady = ConcurrentHashMap.newKeySet();
  /** Members removed from "etcd" (by pod name): their agents stop reporting. */
  public final Set<String> removed = ConcurrentHashMap.newKeySet();
  /** The leader's pod name per Etcd; the first member by default. */
  public final Map<String, String> leader = new ConcurrentHashMap<>();
  /** The cluster ID the agents of an Etcd report, {@link #CLUSTER_ID} by default (a restore makes a new one). */
  public final Map<String, String> clusterIds = new ConcurrentHashMap<>();
  /** Pods this fake (re)created, in order: shows restart order. */
  public final List<String> podCreations = Collections.synchronizedList(new ArrayList<>());
  /** StatefulSet replicas as seen each round per Etcd, deduplicated: shows scaling steps. */
  public final Map<String, List<Integer>> replicaHistory = new ConcurrentHashMap<>();
  /** Rounds a new member stays a learner. */
  public volatile int learnerRounds = 3;
  /** Whether members joining a formed cluster start as learners. */
  private final Map<String, Integer> learnerSince = new HashMap<>();
  private final Set<String> formed = new HashSet<>();
  private final Set<String> everCreated = new HashSet<>();

  public FakeCluster(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    this.thread = new Thread(this::loop, "fake-cluster");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  public static String memberId(String pod) {
    return Long.toHexString((pod.hashCode() & 0x7fffffffL) | 0x100000000L);
  }

  public void pause() {
    paused = true;
    int r = rounds.get();
    // Let a round in progress finish.
    long deadline = System.currentTimeMillis() + 2000;
    while (rounds.get() == r && System.currentTimeMillis() < deadline) {
      sleep(20);
    }
  }

  public void resume() {
    paused = false;
  }

  /** Blocks until a full round ran after this call. */
  public void awaitRound() {
    int target = rounds.get() + 2;
    long deadline = System.currentTimeMillis() + 5000;
    while (rounds.get() < target && System.currentTimeMillis() < deadline) {
      sleep(20);
    }
  }

  private void loop() {
    while (running) {
      if (!paused) {
        try {
          round();
        } catch (KubernetesClientException e) {
          // A conflict with the operator's own write: next round.
        } catch (RuntimeException e) {
          if (running) {
            System.err.println("fake cluster round failed: " + e);
          }
        }
      }
      rounds.incrementAndGet();
      sleep(50);
    }
  }

  private void round() {
    List<StatefulSet> sets = client.apps().statefulSets().inNamespace(namespace).list().getItems();
    Set<String> names = new HashSet<>();
    for (StatefulSet sts : sets) {
      names.add(sts.getMetadata().getName());
      reconcile(sts);
    }
    // Garbage collection of pods whose StatefulSet is gone.
    for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
      String owner = p.getMetadata().getOwnerReferences() == null || p.getMetadata().getOwnerReferences().isEmpty()
          ? null : p.getMetadata().getOwnerReferences().get(0).getName();
      if (owner != null && !names.contains(owner)) {
        client.pods().inNamespace(namespace).withName(p.getMetadata().getName()).delete();
      }
    }
  }

  private void reconcile(StatefulSet sts) {
    String etcd = sts.getMetadata().getName();
    int replicas = sts.getSpec().getReplicas();
    List<Integer> hist = replicaHistory.computeIfAbsent(etcd, k -> Collections.synchronizedList(new ArrayList<>()));
    if (hist.isEmpty() || hist.get(hist.size() - 1) != replicas) {
      hist.add(replicas);
    }
    Map<String, Pod> pods = new HashMap<>();
    for (Pod p : client.pods().inNamespace(namespace).withLabel(Labels.INSTANCE, etcd).list().getItems()) {
      pods.put(p.getMetadata().getName(), p);
    }
    int ready = 0;
    for (int i = 0; i < replicas; i++) {
      String name = Names.pod(etcd, i);
      ensureClaim(sts, i);
      Pod p = pods.get(name);
      if (p == null) {
        p = client.pods().inNamespace(namespace).resource(pod(sts, name)).create();
        podCreations.add(name);
        // A new member of a formed cluster joins as a learner; a restarted one keeps its vote.
        if (formed.contains(etcd) && everCreated.add(name)) {
          learnerSince.put(name, rounds.get());
        }
      }
      boolean isReady = !notReady.contains(name);
      boolean wasReady = p.getStatus() != null && p.getStatus().getConditions() != null
          && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      if (isReady != wasReady) {
        p.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder()
            .withType("Ready").withStatus(isReady ? "True" : "False").build()));
        client.pods().inNamespace(namespace).resource(p).updateStatus();
      }
      if (isReady) {
        ready++;
        agent(etcd, name);
      }
    }
    if (ready == replicas && replicas > 0 && formed.add(etcd)) {
      for (int i = 0; i < replicas; i++) {
        everCreated.add(Names.pod(etcd, i));
      }
    }
    for (Pod p : pods.values()) {
      var o = Names.ordinal(etcd, p.getMetadata().getName());
      if (o.isPresent() && o.getAsInt() >= replicas) {
        client.pods().inNamespace(namespace).withName(p.getMetadata().getName()).delete();
      }
    }
    Integer statusReplicas = sts.getStatus() == null ? null : sts.getStatus().getReplicas();
    Integer statusReady = sts.getStatus() == null ? null : sts.getStatus().getReadyReplicas();
    if (statusReplicas == null || statusReplicas != replicas || statusReady == null || statusReady != ready) {
      sts.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder()
          .withReplicas(replicas).withReadyReplicas(ready).withCurrentReplicas(replicas).build());
      client.apps().statefulSets().inNamespace(namespace).resource(sts).updateStatus();
    }
  }

  // The agent: reports ID, cluster and role through the member Lease when what it says changes.
  private void agent(String etcd, String pod) {
    if (removed.contains(pod)) {
      return;
    }
    Lease lease = client.leases().inNamespace(namespace).withName(pod).get();
    if (lease == null) {
      return; // the operator has not created it yet
    }
    String role;
    String lead = leader.computeIfAbsent(etcd, e -> Names.pod(e, 0));
    Integer since = learnerSince.get(pod);
    if (since != null && rounds.get() - since < learnerRounds) {
      role = "Learner";
    } else {
      learnerSince.remove(pod);
      role = pod.equals(lead) ? "Leader" : "Member";
    }
    String holder = memberId(pod) + ":" + clusterIds.getOrDefault(etcd, CLUSTER_ID) + ":" + role;
    if (holder.equals(lease.getSpec().getHolderIdentity())) {
      return;
    }
    lease.getSpec().setHolderIdentity(holder);
    lease.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS));
    client.leases().inNamespace(namespace).resource(lease).update();
  }

  /** Renews every member Lease now (a heartbeat), e.g. after the test clock moved. */
  public void heartbeat() {
    for (Lease l : client.leases().inNamespace(namespace).list().getItems()) {
      if (l.getSpec() != null && l.getSpec().getHolderIdentity() != null && l.getSpec().getHolderIdentity().contains(":")
          && !removed.contains(l.getMetadata().getName())) {
        l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS));
        client.leases().inNamespace(namespace).resource(l).update();
      }
    }
  }

  private Pod pod(StatefulSet sts, String name) {
    var t = sts.getSpec().getTemplate();
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(t.getMetadata().getLabels())
        .withAnnotations(t.getMetadata().getAnnotations())
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
            .withName(sts.getMetadata().getName()).withUid(sts.getMetadata().getUid()).withController(true).build())
        .endMetadata()
        .withSpec(t.getSpec())
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.0.0." + ip.incrementAndGet())
        .addNewCondition().withType("Ready").withStatus("False").endCondition()
        .endStatus()
        .build();
  }

  private void ensureClaim(StatefulSet sts, int ordinal) {
    String name = Names.DATA_VOLUME + "-" + Names.pod(sts.getMetadata().getName(), ordinal);
    if (client.persistentVolumeClaims().inNamespace(namespace).withName(name).get() != null) {
      return;
    }
    PersistentVolumeClaim t = sts.getSpec().getVolumeClaimTemplates().get(0);
    client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withLabels(t.getMetadata().getLabels()).endMetadata()
        .withSpec(t.getSpec())
        .withNewStatus().withPhase("Bound").endStatus()
        .build()).create();
  }

  public String templateHash(String etcd) {
    StatefulSet sts = client.apps().statefulSets().inNamespace(namespace).withName(etcd).get();
    return sts.getSpec().getTemplate().getMetadata().getAnnotations().get(MemberStatefulSet.POD_SPEC_HASH);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
