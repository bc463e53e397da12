package dev.cairn.e2e;

import dev.cairn.testkit.Kubectl;
import dev.cairn.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.Annotations;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.SnapshotKind;
import dev.cairn.local.LocalS3;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One Etcd through its life on the local cluster, with a background client writing throughout:
 * creation, backups, a corrupted member, scaling, a rolling update, hibernation, deletion. Each
 * step builds on the state the previous one left; a step checks every write acknowledged so far.
 */
@ExtendWith(LocalE2e.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdLifecycleE2eIT {

  private static final Duration FORM = Duration.ofMinutes(4);
  private static final String PREFIX = "e2e/life/";

  private EtcdUnderTest etcd;
  private AckedWriter writer;

  @BeforeAll
  void setUp() {
    etcd = new EtcdUnderTest(LocalE2e.cluster(), "life");
  }

  @AfterAll
  void tearDown() {
    if (writer != null) {
      writer.close();
    }
  }

  @Test
  @Order(1)
  void threeMembersFormServeReadsAndWritesAndRenewTheirLeases() throws Exception {
    long start = System.nanoTime();
    etcd.create(3);
    etcd.awaitReady(3, FORM);
    Figures.record("apply-to-3-of-3-ready", Figures.secondsSince(start), "s");
    for (String type : List.of("Ready", "AllMembersReady", "DataVolumesReady", "SpecValid")) {
      assertTrue(etcd.conditionIs(type, "True", null), type + " True: " + etcd.describe());
    }
    assertTrue(etcd.conditionIs("ClusterIDMismatch", "False", null), "ClusterIDMismatch False: " + etcd.describe());
    assertNotNull(etcd.get().getStatus().getClusterID(), "the cluster ID is learned");

    Map<String, String> renewed = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      Lease l = lease(i);
      String holder = l.getSpec().getHolderIdentity();
      assertTrue(holder != null && holder.matches("[0-9a-f]+:[0-9a-f]+:(Leader|Member)"),
          "member Lease " + etcd.pod(i) + " held as <memberID>:<clusterID>:<role>, got " + holder);
      assertTrue(holder.split(":")[1].equals(etcd.get().getStatus().getClusterID()),
          "Lease " + etcd.pod(i) + " names the cluster's ID " + etcd.get().getStatus().getClusterID() + ": " + holder);
      renewed.put(etcd.pod(i), String.valueOf(l.getSpec().getRenewTime()));
    }
    Await.until("every member Lease renewed again", Duration.ofMinutes(1), () -> {
      for (int i = 0; i < 3; i++) {
        if (renewed.get(etcd.pod(i)).equals(String.valueOf(lease(i).getSpec().getRenewTime()))) {
          return false;
        }
      }
      return true;
    }, () -> "renew times at start " + renewed);

    // The client Service's name, as a pod resolves it, reaches a member that serves writes; a
    // linearizable read from every member then sees them.
    String viaService = InetAddress.getByName(etcd.name + "-client." + EtcdUnderTest.NS + ".svc").getHostAddress();
    assertTrue(etcd.podIps().contains(viaService), "the client Service resolves to a member: " + viaService);
    long rev = Kv.putIdempotent(viaService, "e2e/hello", "world");
    assertTrue(rev > 0, "a revision for the write");
    for (String ip : etcd.podIps()) {
      assertEquals(Map.of("e2e/hello", "world"), Kv.prefix(ip, "e2e/hello"), "read from " + ip);
    }

    Kubectl kubectl = new Kubectl(etcd.shared.local.kubeconfig(), Files.createDirectories(etcd.shared.scratch.resolve("kubectl")));
    String table = kubectl.ok("get", "etcd", etcd.name, "-o", "wide");
    assertTrue(table.lines().anyMatch(l -> l.startsWith(etcd.name) && l.contains("True") && l.contains(" 3 ")),
        "kubectl get etcd shows it Ready with 3 members:\n" + table);

    writer = new AckedWriter(PREFIX, etcd::podIps, 40);
    writer.awaitMoreAcks(50, Duration.ofMinutes(1));
    assertNoAcknowledgedWriteLost();
  }

  @Test
  @Order(2)
  void fullAndDeltaSnapshotsReachTheStoreAndTheCatalog() {
    long after = writer.lastAckedRevision();
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    Await.until("a ready Full and a ready Delta EtcdSnapshot of " + etcd.name + ", the delta past revision " + after,
        Duration.ofMinutes(3), () -> {
          List<EtcdSnapshot> s = etcd.snapshots();
          return s.stream().anyMatch(x -> x.getSpec().getKind() == SnapshotKind.FULL && ready(x))
              && s.stream().anyMatch(x -> x.getSpec().getKind() == SnapshotKind.DELTA && ready(x)
              && x.getSpec().getEndRevision() >= after);
        }, () -> etcd.snapshots().stream().map(x -> x.getMetadata().getName() + " " + x.getSpec().getKind() + " end "
            + x.getSpec().getEndRevision() + " ready " + ready(x)).toList().toString());

    Set<String> objects = storeObjects();
    String token = "e2e-token-" + etcd.name;
    for (EtcdSnapshot s : etcd.snapshots()) {
      if (!ready(s)) {
        continue;
      }
      String hash = s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(Annotations.TOKEN_HASH);
      assertTrue(hash != null && !hash.isBlank() && !hash.contains(token),
          "EtcdSnapshot " + s.getMetadata().getName() + " carries the token hash (never the token): " + hash);
      String location = s.getSpec().getLocation();
      String key = location.substring(("s3://" + LocalS3.BUCKET + "/").length());
      assertTrue(objects.contains(key), "the store holds " + key + " of " + s.getMetadata().getName() + ": " + objects);
    }
    assertTrue(objects.stream().anyMatch(k -> k.contains("-full-") && k.endsWith(".db")), "a full snapshot object: " + objects);
    assertTrue(objects.stream().anyMatch(k -> k.contains("-delta-")), "a delta object: " + objects);
    Await.until("BackupReady True", Duration.ofMinutes(1), () -> etcd.conditionIs("BackupReady", "True", null), etcd::describe);
    assertNoAcknowledgedWriteLost();
  }

  @Test
  @Order(3)
  void aCorruptedMemberIsCaughtByValidationAndResyncedAsALearner() throws Exception {
    int victim = (etcd.leaderOrdinal() + 1) % 3;
    String pod = etcd.pod(victim);
    String oldId = lease(victim).getSpec().getHolderIdentity().split(":")[0];
    int restarts = etcdRestarts(pod);
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    java.nio.file.Path db = etcd.volume(victim).resolve("member/snap/db");
    String[] hit = new String[1];
    // etcd is SIGKILLed and kept down while its file is damaged: a running bbolt rewrites its
    // branch pages on every commit, and the restart would race with the flip.
    etcd.shared.local.podRunner().killContainer(EtcdUnderTest.NS, pod, "etcd", () -> {
      try {
        hit[0] = BoltDamage.flipKeyBucketBranch(db);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });

    Await.until(pod + " back under a new member ID (removed, wiped and re-added as a learner, then promoted)",
        FORM, () -> {
          String holder = lease(victim).getSpec().getHolderIdentity();
          return holder != null && !holder.startsWith(oldId + ":") && holder.matches("[0-9a-f]+:[0-9a-f]+:(Leader|Member)");
        }, () -> "Lease " + lease(victim).getSpec().getHolderIdentity() + " (was " + oldId + "); " + etcd.describe());
    etcd.awaitReady(3, FORM);
    assertTrue(etcdRestarts(pod) > restarts, "the etcd container of " + pod + " restarted");
    String agentLog = Files.readString(etcd.shared.local.podRunner().logFile(EtcdUnderTest.NS, pod, "agent"));
    assertTrue(agentLog.contains("Corrupt") || agentLog.contains("CORRUPT") || agentLog.contains("corrupt"),
        "the agent's validation reported the damage (" + hit[0] + ") in its log");
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    long upTo = writer.lastAckedRevision();
    Map<String, String> onVictim = Kv.prefix(etcd.ip(victim), PREFIX);
    List<String> missing = writer.missingFrom(onVictim, upTo);
    // The victim serves linearizable reads: it has caught up with everything acknowledged before the read.
    assertTrue(missing.isEmpty(), "the re-synced member lacks " + missing.size() + " acknowledged writes: "
        + missing.subList(0, Math.min(20, missing.size())));
    assertNoAcknowledgedWriteLost();
  }

  @Test
  @Order(4)
  void scalesOutToFiveAndBackToThree() throws Exception {
    // Through the scale subresource, as kubectl scale and an autoscaler use it.
    Kubectl kubectl = new Kubectl(etcd.shared.local.kubeconfig(), Files.createDirectories(etcd.shared.scratch.resolve("kubectl")));
    kubectl.ok("scale", "etcd/" + etcd.name, "--replicas=5");
    etcd.awaitReady(5, FORM);
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    assertNoAcknowledgedWriteLost();

    etcd.replicas(3);
    etcd.awaitReady(3, FORM);
    Await.until("the processes of " + etcd.pod(3) + " and " + etcd.pod(4) + " stopped", Duration.ofMinutes(1),
        () -> !etcd.shared.local.podRunner().hasProcesses(EtcdUnderTest.NS, etcd.pod(3))
            && !etcd.shared.local.podRunner().hasProcesses(EtcdUnderTest.NS, etcd.pod(4)));
    Await.until("the Leases of the removed members deleted", Duration.ofMinutes(1),
        () -> lease(3) == null && lease(4) == null, etcd::describe);
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    assertNoAcknowledgedWriteLost();
  }

  @Test
  @Order(5)
  void rollsAPodAffectingChangeFollowersFirstLeaderLast() {
    int leader = etcd.leaderOrdinal();
    Map<String, String> uids = new HashMap<>();
    etcd.pods().forEach(p -> uids.put(p.getMetadata().getName(), p.getMetadata().getUid()));
    String before = etcd.client.apps().statefulSets().inNamespace(EtcdUnderTest.NS).withName(etcd.name).get()
        .getSpec().getTemplate().getMetadata().getAnnotations().get(Annotations.CONFIG_CHECKSUM);

    etcd.mergePatch("{\"spec\":{\"etcd\":{\"snapshotCount\":20000}}}");
    // The order in which the pods were replaced, seen by polling their UIDs; one member at a time,
    // each only once the others are ready, so polling every 100 ms sees each replacement apart.
    List<String> order = new ArrayList<>();
    Await.until("every member replaced with the new configuration", Duration.ofMinutes(6), () -> {
      for (var p : etcd.pods()) {
        String n = p.getMetadata().getName();
        if (!order.contains(n) && !p.getMetadata().getUid().equals(uids.get(n))) {
          order.add(n);
        }
      }
      return order.size() == 3;
    }, () -> "replaced so far " + order + "; " + etcd.describe());
    etcd.awaitReady(3, FORM);
    String after = etcd.client.apps().statefulSets().inNamespace(EtcdUnderTest.NS).withName(etcd.name).get()
        .getSpec().getTemplate().getMetadata().getAnnotations().get(Annotations.CONFIG_CHECKSUM);
    assertFalse(java.util.Objects.equals(before, after), "the configuration checksum on the pod template changed");
    assertEquals(etcd.pod(leader), order.get(2), "the leader at the start (" + etcd.pod(leader) + ") is replaced last: " + order);
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    assertNoAcknowledgedWriteLost();
  }

  @Test
  @Order(6)
  void hibernatesToZeroAndWakesUpWithItsData() {
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    // The final full snapshot is taken after the request, while the members still serve: it holds
    // every write acknowledged before the request (later ones are on the kept volumes).
    long beforeRequest = writer.lastAckedRevision();
    etcd.replicas(0);
    Await.until("Ready False (Hibernated) and no member pod left", FORM,
        () -> etcd.conditionIs("Ready", "False", "Hibernated") && etcd.pods().isEmpty()
            && java.util.stream.IntStream.range(0, 3).noneMatch(i ->
                etcd.shared.local.podRunner().hasProcesses(EtcdUnderTest.NS, etcd.pod(i))),
        etcd::describe);
    int ackedWhileUp = writer.ackedCount();
    Await.until("a final full snapshot covering the writes acknowledged before hibernation was asked (revision "
        + beforeRequest + ")",
        Duration.ofMinutes(2), () -> etcd.snapshots().stream().anyMatch(x -> x.getSpec().getKind() == SnapshotKind.FULL
            && ready(x) && x.getSpec().getEndRevision() >= beforeRequest),
        () -> etcd.snapshots().stream().map(x -> x.getSpec().getKind() + "@" + x.getSpec().getEndRevision()).toList().toString());
    for (int i = 0; i < 3; i++) {
      assertTrue(Files.isRegularFile(etcd.volume(i).resolve("member/snap/db")), "hibernation keeps the data of " + etcd.pod(i));
    }

    etcd.replicas(3);
    etcd.awaitReady(3, FORM);
    writer.awaitMoreAcks(20, Duration.ofMinutes(1));
    assertTrue(writer.ackedCount() > ackedWhileUp, "writes are acknowledged again after waking up");
    assertNoAcknowledgedWriteLost();
  }

  @Test
  @Order(8)
  void deletingTheEtcdRemovesWhatItManagesAndKeepsVolumesAndBackups() {
    writer.close();
    assertNoAcknowledgedWriteLost();
    int snapshots = etcd.snapshots().size();
    Set<String> objects = storeObjects();
    List<String> claims = etcd.client.persistentVolumeClaims().inNamespace(EtcdUnderTest.NS).list().getItems().stream()
        .map(c -> c.getMetadata().getName()).filter(n -> n.startsWith("data-" + etcd.name + "-")).sorted().toList();
    assertFalse(claims.isEmpty(), "the members have claims");

    etcd.client.resources(dev.cairn.api.v1alpha1.Etcd.class).inNamespace(EtcdUnderTest.NS).withName(etcd.name).delete();
    Await.until("Etcd " + etcd.name + " gone with its StatefulSet, Services, ConfigMap, Leases and pods", Duration.ofMinutes(2),
        () -> etcd.get() == null && managedLeft().isEmpty(), () -> etcd.describe() + "; left: " + managedLeft());
    Await.until("the member processes stopped", Duration.ofMinutes(1), () -> claims.stream().noneMatch(c ->
        etcd.shared.local.podRunner().hasProcesses(EtcdUnderTest.NS, c.substring("data-".length()))));

    List<String> claimsAfter = etcd.client.persistentVolumeClaims().inNamespace(EtcdUnderTest.NS).list().getItems().stream()
        .map(c -> c.getMetadata().getName()).filter(n -> n.startsWith("data-" + etcd.name + "-")).sorted().toList();
    assertEquals(claims, claimsAfter, "deletionPolicy.volumes Retain keeps every claim");
    for (String c : claims) {
      assertTrue(Files.isDirectory(etcd.shared.local.podRunner().claimDirectory(EtcdUnderTest.NS, c)), "the data of " + c + " is kept");
    }
    assertEquals(snapshots, etcd.snapshots().size(), "deletionPolicy.backups Retain keeps the EtcdSnapshot records");
    assertTrue(storeObjects().containsAll(objects), "deletionPolicy.backups Retain keeps the stored snapshots");
  }

  private List<String> managedLeft() {
    List<String> left = new ArrayList<>();
    var c = etcd.client;
    String ns = EtcdUnderTest.NS;
    if (c.apps().statefulSets().inNamespace(ns).withName(etcd.name).get() != null) {
      left.add("StatefulSet");
    }
    for (String svc : List.of(etcd.name + "-client", etcd.name + "-peer")) {
      if (c.services().inNamespace(ns).withName(svc).get() != null) {
        left.add("Service " + svc);
      }
    }
    if (c.configMaps().inNamespace(ns).withName(etcd.name + "-config").get() != null) {
      left.add("ConfigMap");
    }
    if (c.policy().v1().podDisruptionBudget().inNamespace(ns).withName(etcd.name).get() != null) {
      left.add("PodDisruptionBudget");
    }
    c.leases().inNamespace(ns).list().getItems().stream().map(l -> l.getMetadata().getName())
        .filter(n -> n.startsWith(etcd.name + "-")).forEach(n -> left.add("Lease " + n));
    etcd.pods().forEach(p -> left.add("Pod " + p.getMetadata().getName()));
    return left;
  }

  private void assertNoAcknowledgedWriteLost() {
    // Only what was acknowledged before the read started (one writer thread: revisions ascend).
    long upTo = writer.lastAckedRevision();
    Map<String, String> keyspace = etcd.keyspace(PREFIX);
    List<String> missing = writer.missingFrom(keyspace, upTo);
    assertTrue(missing.isEmpty(), missing.size() + " acknowledged writes missing (" + writer.describe() + "): "
        + missing.subList(0, Math.min(20, missing.size())));
  }

  private int etcdRestarts(String pod) {
    var p = etcd.client.pods().inNamespace(EtcdUnderTest.NS).withName(pod).get();
    return p.getStatus().getContainerStatuses().stream().filter(c -> c.getName().equals("etcd"))
        .mapToInt(c -> c.getRestartCount()).findFirst().orElse(0);
  }

  private Lease lease(int ordinal) {
    return etcd.client.leases().inNamespace(EtcdUnderTest.NS).withName(etcd.pod(ordinal)).get();
  }

  private static boolean ready(EtcdSnapshot s) {
    return s.getStatus() != null && Boolean.TRUE.equals(s.getStatus().getReadyToUse());
  }

  private Set<String> storeObjects() {
    MinioClient s3 = MinioClient.builder().endpoint(etcd.shared.local.s3().endpoint().toString()).region(LocalS3.REGION)
        .credentials(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY).build();
    Set<String> keys = new TreeSet<>();
    try {
      for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(LocalS3.BUCKET).prefix("e2e/" + etcd.name + "/")
          .recursive(true).build())) {
        keys.add(r.get().objectName());
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the store: " + e, e);
    }
    return keys;
  }
}
