package dev.cairn.local;

import dev.cairn.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The pod runner with real etcd processes: a StatefulSet of three pods, each one etcd on its own
 * loopback address with its data in a claim directory. The steps build on each other (one cluster
 * for the class, as starting etcd pods is the slow part); each asserts one behaviour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodRunnerIT {

  private static final String NS = "runner";
  private static final String STS = "etcd";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private LocalApiServer api;
  private KubernetesClient client;
  private PodRunner runner;
  private SharedIndexInformer<Pod> recorder;
  private final List<String> events = new ArrayList<>();

  @BeforeAll
  void start() {
    Path work = TestDirs.create(PodRunnerIT.class, "work");
    api = LocalApiServer.start(0);
    api.writeKubeconfig(work.resolve("kubeconfig"));
    client = api.newClient();
    runner = PodRunner.start(client, PodRunnerOptions.builder(work)
        .program("etcd", Prerequisites.etcd())
        .podSubnet(TestSubnets.next())
        .build());
    recorder = client.pods().inNamespace(NS).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        record("ADDED " + pod.getMetadata().getName());
      }

      @Override
      public void onUpdate(Pod before, Pod after) {
        if (!Pods.isRunningAndReady(before) && Pods.isRunningAndReady(after)) {
          record("READY " + after.getMetadata().getName());
        }
      }

      @Override
      public void onDelete(Pod pod, boolean unknown) {
        record("DELETED " + pod.getMetadata().getName());
      }
    });
  }

  @AfterAll
  void stop() {
    if (recorder != null) {
      recorder.close();
    }
    if (runner != null) {
      runner.close();
    }
    if (client != null) {
      client.close();
    }
    if (api != null) {
      api.close();
    }
  }

  private void record(String event) {
    synchronized (events) {
      events.add(event);
    }
  }

  private List<String> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  @Test
  @Order(1)
  void createsPodsInOrderAndReportsStatus() throws Exception {
    StatefulSet created = client.apps().statefulSets().inNamespace(NS)
        .resource(EtcdStatefulSets.of(NS, STS, 3, "OrderedReady")).create();
    awaitReadyReplicas(3);

    List<String> ev = events();
    assertTrue(ev.indexOf("READY etcd-0") < ev.indexOf("ADDED etcd-1")
        && ev.indexOf("READY etcd-1") < ev.indexOf("ADDED etcd-2"), "OrderedReady creates each pod after the one before is Ready: " + ev);

    StatefulSet sts = sts();
    var st = sts.getStatus();
    String revision = TemplateHash.revision(STS, created.getSpec().getTemplate());
    assertEquals(3, st.getReplicas());
    assertEquals(3, st.getReadyReplicas());
    assertEquals(3, st.getAvailableReplicas());
    assertEquals(3, st.getCurrentReplicas());
    assertEquals(3, st.getUpdatedReplicas());
    assertEquals(sts.getMetadata().getGeneration(), st.getObservedGeneration());
    assertEquals(revision, st.getCurrentRevision());
    assertEquals(revision, st.getUpdateRevision());

    Set<String> ips = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      Pod pod = pod("etcd-" + i);
      assertEquals(revision, pod.getMetadata().getLabels().get(Pods.REVISION_LABEL));
      assertEquals(sts.getMetadata().getUid(), pod.getMetadata().getOwnerReferences().get(0).getUid());
      assertEquals("etcd-" + i, pod.getSpec().getHostname());
      assertEquals(STS, pod.getSpec().getSubdomain());
      assertTrue(pod.getStatus().getPodIP().startsWith("127." + runner.options().podSubnet() + "."), pod.getStatus().getPodIP());
      ips.add(pod.getStatus().getPodIP());
      PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(NS).withName("data-etcd-" + i).get();
      assertEquals("Bound", pvc.getStatus().getPhase());
      assertTrue(Files.isDirectory(runner.claimDirectory(NS, "data-etcd-" + i).resolve("member")),
          "etcd keeps its data in the claim directory");
      assertTrue(EtcdHttp.healthy(pod.getStatus().getPodIP()));
    }
    assertEquals(3, ips.size(), "every pod has its own address: " + ips);
    assertTrue(Files.readString(runner.hostsFile()).contains("etcd-1.etcd." + NS + ".svc.cluster.local"),
        "the hosts file names every pod");
  }

  @Test
  @Order(2)
  void writesNothingInSteadyState() {
    String stsVersion = sts().getMetadata().getResourceVersion();
    List<String> podVersions = pods().stream().map(p -> p.getMetadata().getResourceVersion()).toList();
    for (int i = 0; i < 3; i++) {
      runner.syncOnce();
    }
    assertEquals(stsVersion, sts().getMetadata().getResourceVersion(), "StatefulSet status rewritten without a change");
    assertEquals(podVersions, pods().stream().map(p -> p.getMetadata().getResourceVersion()).toList(),
        "pod status rewritten without a change");
  }

  @Test
  @Order(3)
  void killedContainerIsRestarted() throws Exception {
    runner.killContainer(NS, "etcd-1", "etcd");
    Await.until("etcd-1 restarted once and Ready again", WAIT,
        () -> restarts("etcd-1") == 1 && Pods.isRunningAndReady(pod("etcd-1")), () -> status("etcd-1"));
    var status = pod("etcd-1").getStatus().getContainerStatuses().get(0);
    assertEquals(137, status.getLastState().getTerminated().getExitCode(), "SIGKILL is exit code 128+9");
  }

  @Test
  @Order(4)
  void deletedPodComesBackWithItsDataOnceTheOldProcessIsGone() {
    Pod before = pod("etcd-0");
    String ip = before.getStatus().getPodIP();
    EtcdHttp.put(ip, "survivor", "still-here");
    long oldPid = pid(before);

    client.pods().inNamespace(NS).withName("etcd-0").delete();
    Await.until("a new etcd-0 Running and Ready", WAIT, () -> {
      Pod p = pod("etcd-0");
      return p != null && !p.getMetadata().getUid().equals(before.getMetadata().getUid()) && Pods.isRunningAndReady(p);
    }, () -> status("etcd-0"));

    Pod after = pod("etcd-0");
    assertFalse(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false), "the old etcd is gone");
    assertEquals(ip, after.getStatus().getPodIP(), "the pod keeps its address");
    assertEquals(0, restarts("etcd-0"), "the new etcd bound its ports at the first try: the old one had released them");
    assertEquals("still-here", EtcdHttp.get(ip, "survivor"), "the data directory was kept");
  }

  @Test
  @Order(5)
  void rollingUpdateReplacesOnePodAtATimeFromTheHighestOrdinal() {
    int mark = events().size();
    StatefulSet updated = client.apps().statefulSets().inNamespace(NS).withName(STS).edit(s -> new StatefulSetBuilder(s)
        .editSpec().editTemplate().editSpec().editFirstContainer()
        .addToEnv(new EnvVar("ROLLED", "yes", null)).endContainer().endSpec().endTemplate().endSpec().build());
    String newRevision = TemplateHash.revision(STS, updated.getSpec().getTemplate());

    Await.until("all pods on the new revision and Ready", WAIT, () -> {
      var st = sts().getStatus();
      return st != null && newRevision.equals(st.getCurrentRevision()) && Objects.equals(st.getUpdatedReplicas(), 3)
          && Objects.equals(st.getReadyReplicas(), 3);
    }, () -> String.valueOf(sts().getStatus()));

    List<String> ev = events().subList(mark, events().size());
    List<String> deletions = ev.stream().filter(e -> e.startsWith("DELETED")).toList();
    assertEquals(List.of("DELETED etcd-2", "DELETED etcd-1", "DELETED etcd-0"), deletions, "update order: " + ev);
    assertTrue(ev.indexOf("READY etcd-2") < ev.indexOf("DELETED etcd-1")
        && ev.indexOf("READY etcd-1") < ev.indexOf("DELETED etcd-0"), "one at a time, each Ready before the next: " + ev);
    for (Pod p : pods()) {
      assertEquals(newRevision, Pods.revision(p));
    }
  }

  @Test
  @Order(6)
  void scaleDownDeletesHighestOrdinalFirstAndKeepsClaims() {
    int mark = events().size();
    client.apps().statefulSets().inNamespace(NS).withName(STS)
        .edit(s -> new StatefulSetBuilder(s).editSpec().withReplicas(1).endSpec().build());
    Await.until("only etcd-0 left, its processes alone", WAIT,
        () -> pods().size() == 1 && !runner.hasProcesses(NS, "etcd-1") && !runner.hasProcesses(NS, "etcd-2")
            && Objects.equals(sts().getStatus().getReplicas(), 1),
        () -> pods().stream().map(p -> p.getMetadata().getName()).toList().toString());

    List<String> deletions = events().subList(mark, events().size()).stream().filter(e -> e.startsWith("DELETED")).toList();
    assertEquals(List.of("DELETED etcd-2", "DELETED etcd-1"), deletions);
    for (int i = 1; i < 3; i++) {
      assertTrue(client.persistentVolumeClaims().inNamespace(NS).withName("data-etcd-" + i).get() != null,
          "claim data-etcd-" + i + " is kept on scale-down");
      assertTrue(Files.isDirectory(runner.claimDirectory(NS, "data-etcd-" + i).resolve("member")));
    }
  }

  @Test
  @Order(7)
  void deletedClaimLosesItsDirectoryOnlyWhenNoPodUsesIt() {
    Path unused = runner.claimDirectory(NS, "data-etcd-2");
    client.persistentVolumeClaims().inNamespace(NS).withName("data-etcd-2").delete();
    Await.until("the directory of the deleted, unused claim removed", WAIT, () -> !Files.exists(unused));

    // A claim whose pod still runs keeps its directory until the pod is gone.
    Path used = runner.claimDirectory(NS, "data-etcd-0");
    String ip = pod("etcd-0").getStatus().getPodIP();
    String claimUid = client.persistentVolumeClaims().inNamespace(NS).withName("data-etcd-0").get().getMetadata().getUid();
    client.persistentVolumeClaims().inNamespace(NS).withName("data-etcd-0").delete();
    // The StatefulSet controller re-creates the claim at once: a new claim, a new uid.
    Await.until("the claim deleted (and re-created as a new one)", WAIT, () -> {
      PersistentVolumeClaim c = client.persistentVolumeClaims().inNamespace(NS).withName("data-etcd-0").get();
      return c == null || !c.getMetadata().getUid().equals(claimUid);
    });
    for (int i = 0; i < 3; i++) {
      runner.syncOnce();
    }
    assertTrue(Files.isDirectory(used.resolve("member")), "in use by the running etcd-0");
    assertEquals("still-here", EtcdHttp.get(ip, "survivor"));

    // Once the pod goes, so does the old volume: the re-created claim is a new, empty volume.
    String oldUid = pod("etcd-0").getMetadata().getUid();
    client.pods().inNamespace(NS).withName("etcd-0").delete();
    Await.until("a new etcd-0 Ready on a fresh volume", WAIT, () -> {
      Pod p = pod("etcd-0");
      return p != null && !p.getMetadata().getUid().equals(oldUid) && Pods.isRunningAndReady(p);
    }, () -> status("etcd-0"));
    assertNull(EtcdHttp.get(ip, "survivor"), "a new claim starts empty, as a new volume would");
  }

  @Test
  @Order(8)
  void deletedStatefulSetTakesItsPodsButNotItsClaims() {
    client.apps().statefulSets().inNamespace(NS).withName(STS).delete();
    Await.until("pods of the deleted StatefulSet gone with their processes", WAIT,
        () -> pods().isEmpty() && !runner.hasProcesses(NS, "etcd-0"),
        () -> pods().stream().map(p -> p.getMetadata().getName()).toList().toString());
    Set<String> claims = client.persistentVolumeClaims().inNamespace(NS).list().getItems().stream()
        .map(c -> c.getMetadata().getName()).collect(Collectors.toSet());
    assertEquals(Set.of("data-etcd-0", "data-etcd-1"), claims);
  }

  // ---- helpers

  private void awaitReadyReplicas(int n) {
    Await.until(n + " ready replicas", WAIT, () -> {
      StatefulSet s = sts();
      return s != null && s.getStatus() != null && Objects.equals(s.getStatus().getReadyReplicas(), n)
          && Objects.equals(s.getStatus().getReplicas(), n);
    }, () -> String.valueOf(sts() == null ? null : sts().getStatus()) + " events " + events());
  }

  private StatefulSet sts() {
    return client.apps().statefulSets().inNamespace(NS).withName(STS).get();
  }

  private Pod pod(String name) {
    return client.pods().inNamespace(NS).withName(name).get();
  }

  private List<Pod> pods() {
    return client.pods().inNamespace(NS).list().getItems();
  }

  private int restarts(String pod) {
    Pod p = pod(pod);
    if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses().isEmpty()) {
      return -1;
    }
    return p.getStatus().getContainerStatuses().get(0).getRestartCount();
  }

  private static long pid(Pod pod) {
    String id = pod.getStatus().getContainerStatuses().get(0).getContainerID();
    assertNotEquals(null, id);
    return Long.parseLong(id.substring("local://".length()));
  }

  private String status(String pod) {
    Pod p = pod(pod);
    return p == null ? "no pod " + pod : String.valueOf(p.getStatus());
  }
}
