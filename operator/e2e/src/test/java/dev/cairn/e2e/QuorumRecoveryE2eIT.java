package dev.cairn.e2e;

import dev.cairn.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.local.LocalS3;
import dev.cairn.local.PodRunner;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Losing members for good, and getting the data back with {@code EtcdOpsTask}s: quorum lost with one
 * survivor (RecoverQuorum keeps its data), every volume lost (RecoverQuorum restores from the
 * store), and a point-in-time Restore to a revision between two deltas. One Etcd goes through all
 * three, each with its own background writer.
 */
@ExtendWith(LocalE2e.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuorumRecoveryE2eIT {

  private static final Duration FORM = Duration.ofMinutes(4);
  private static final Duration RECOVER = Duration.ofMinutes(6);

  private EtcdUnderTest etcd;
  private final List<AckedWriter> writers = new ArrayList<>();
  /** The keyspace the point-in-time restore gave back, for the step after it. */
  private Map<String, String> restored;
  private long restoredRevision;

  @BeforeAll
  void setUp() throws IOException {
    etcd = new EtcdUnderTest(LocalE2e.cluster(), "rq");
    long start = System.nanoTime();
    etcd.create(3);
    etcd.awaitReady(3, FORM);
    Figures.record("apply-to-3-of-3-ready", Figures.secondsSince(start), "s");
  }

  @AfterAll
  void tearDown() {
    writers.forEach(AckedWriter::close);
    if (etcd != null && etcd.get() != null) {
      etcd.client.resources(dev.cairn.api.v1alpha1.Etcd.class).inNamespace(EtcdUnderTest.NS).withName(etcd.name).delete();
      Await.until("Etcd " + etcd.name + " deleted with its pods", Duration.ofMinutes(2),
          () -> etcd.get() == null && etcd.pods().isEmpty(), etcd::describe);
    }
  }

  private AckedWriter writer(String prefix) {
    AckedWriter w = new AckedWriter(prefix, etcd::podIps, 40);
    writers.add(w);
    return w;
  }

  @Test
  @Order(1)
  void quorumLostWithOneSurvivorIsRecoveredFromItWithoutLosingAnAcknowledgedWrite() throws Exception {
    AckedWriter w = writer("e2e/rq/survivor/");
    w.awaitMoreAcks(50, Duration.ofMinutes(1));
    // The leader survives. etcd's --force-new-cluster keeps only the entries the survivor knows to be
    // committed: a follower learns the commit index with the next heartbeat, so a follower survivor
    // may lack the writes acknowledged in the last heartbeat before the loss (etcd's limit, not cairn's).
    int survivor = etcd.leaderOrdinal();
    List<Integer> lost = Stream.of(0, 1, 2).filter(i -> i != survivor).toList();
    // The first member goes and stays down (held, its volume emptied); one more acknowledged write
    // then needed the survivor's vote, so the survivor holds every write acknowledged before it
    // (Raft log matching). Then the second goes too, and both come back on empty volumes.
    holdDown(List.of(lost.get(0)), () -> {
      w.awaitMoreAcks(5, Duration.ofMinutes(1));
      try {
        holdDown(List.of(lost.get(1)), () -> { });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    });
    long lastAcked = w.lastAckedRevision();
    etcd.awaitQuorumLostFor(LocalE2e.OPERATOR.memberUnknownAfter.plusSeconds(2), Duration.ofMinutes(2));
    int ackedBeforeRecovery = w.ackedCount();
    // What the survivor holds, read from it alone (it has no quorum): all of it must come back.
    Map<String, String> survivorHad = Kv.prefixLocal(etcd.ip(survivor), "e2e/rq/survivor/");

    long start = System.nanoTime();
    String task = etcd.createTask("rq-survivor", "type: RecoverQuorum");
    etcd.awaitTask(task, "Succeeded", RECOVER);
    etcd.awaitReady(3, FORM);
    Figures.record("recover-quorum-survivor-to-3-of-3-ready", Figures.secondsSince(start), "s");
    String plan = etcd.task(task).getMetadata().getAnnotations().get("cairn.dev/plan");
    assertTrue(plan != null && plan.contains("ForceNewCluster"), "the survivor's data was kept (ForceNewCluster): " + plan);

    w.awaitMoreAcks(20, Duration.ofMinutes(1));
    w.close();
    Map<String, String> keyspace = etcd.keyspace("e2e/rq/survivor/");
    List<String> missing = w.missingFrom(keyspace, 0);
    Figures.record("recover-quorum-survivor-acknowledged-writes-lost", missing.size(), "writes");
    List<String> dropped = survivorHad.entrySet().stream().filter(e -> !e.getValue().equals(keyspace.get(e.getKey())))
        .map(Map.Entry::getKey).toList();
    assertTrue(dropped.isEmpty(), dropped.size() + " of the " + survivorHad.size() + " keys the survivor held are gone: "
        + dropped.subList(0, Math.min(20, dropped.size())));
    assertTrue(missing.isEmpty(), missing.size() + " acknowledged writes lost (the last before the loss at revision "
        + lastAcked + ", " + ackedBeforeRecovery + " acknowledged before recovery): "
        + missing.subList(0, Math.min(20, missing.size())));
  }

  @Test
  @Order(2)
  void everyVolumeLostIsRecoveredFromTheStoreUpToTheNewestDelta() throws Exception {
    AckedWriter w = writer("e2e/rq/store/");
    w.awaitMoreAcks(50, Duration.ofMinutes(1));
    long covered = w.lastAckedRevision();
    Await.until("a delta in the store past revision " + covered, Duration.ofMinutes(2),
        () -> newestStoredEnd() >= covered, () -> "newest stored end " + newestStoredEnd());
    w.awaitMoreAcks(10, Duration.ofMinutes(1));

    // Every member at once: SIGKILL to both containers of every pod, all held down together while
    // every volume is emptied, then all start again on empty disks.
    holdDown(List.of(0, 1, 2), () -> { });
    w.close();
    long newestDelta = newestStoredEnd();
    etcd.awaitQuorumLostFor(LocalE2e.OPERATOR.memberUnknownAfter.plusSeconds(2), Duration.ofMinutes(2));

    long start = System.nanoTime();
    String task = etcd.createTask("rq-store", "type: RecoverQuorum");
    etcd.awaitTask(task, "Succeeded", RECOVER);
    etcd.awaitReady(3, FORM);
    Figures.record("recover-quorum-store-to-3-of-3-ready", Figures.secondsSince(start), "s");
    String plan = etcd.task(task).getMetadata().getAnnotations().get("cairn.dev/plan");
    assertTrue(plan != null && plan.contains("RestoreFromStore"), "restored from the store: " + plan);

    Map<String, String> keyspace = etcd.keyspace("e2e/rq/store/");
    List<String> missing = w.missingFrom(keyspace, newestDelta);
    assertTrue(missing.isEmpty(), missing.size() + " acknowledged writes up to the newest stored snapshot (revision "
        + newestDelta + ") lost: " + missing.subList(0, Math.min(20, missing.size())));
    long after = w.acked().values().stream().filter(a -> a.revision() > newestDelta).count();
    long lostAfter = w.missingFrom(keyspace, 0).size();
    Figures.record("recover-quorum-store-acknowledged-writes-lost-up-to-newest-delta", missing.size(), "writes");
    Figures.record("recover-quorum-store-acknowledged-writes-after-newest-delta", after, "writes");
    Figures.record("recover-quorum-store-acknowledged-writes-lost-in-all", lostAfter, "writes");
    // (The first writer is the previous step's, when it ran.)
    List<String> earlier = writers.get(0) == w ? List.of() : writers.get(0).missingFrom(etcd.keyspace("e2e/rq/survivor/"), 0);
    assertTrue(earlier.isEmpty(), "the previous step's acknowledged writes came back from the store too; missing "
        + earlier.size() + ": " + earlier.subList(0, Math.min(20, earlier.size())));
  }

  @Test
  @Order(3)
  void pointInTimeRestoreToARevisionBetweenTwoDeltasGivesBackThatKeyspace() throws Exception {
    AckedWriter w = writer("e2e/rq/pitr/");
    long first = newestStoredEnd();
    Await.until("two more deltas in the store, at least 3 revisions apart", Duration.ofMinutes(2), () -> {
      List<Long> ends = deltaEnds();
      return ends.stream().filter(e -> e > first).count() >= 2 && gap(ends, first) != null;
    }, () -> "delta ends " + deltaEnds());
    long[] pair = gap(deltaEnds(), first);
    long target = (pair[0] + pair[1]) / 2;
    assertTrue(target > pair[0] && target < pair[1], "a revision strictly between the deltas " + pair[0] + " and " + pair[1]);
    String ip = etcd.ip(etcd.leaderOrdinal());
    Map<String, String> expected = Kv.all(ip, target);
    w.close();

    String task = etcd.createTask("rq-pitr", "type: Restore\nrestore: {revision: " + target + "}");
    etcd.awaitTask(task, "Succeeded", RECOVER);
    etcd.awaitReady(3, FORM);
    Map<String, String> now = Kv.all(etcd.ip(0), 0);
    if (!expected.equals(now)) {
      Map<String, String> diff = new TreeMap<>();
      expected.forEach((k, v) -> {
        if (!v.equals(now.get(k))) {
          diff.put(k, "expected " + v + ", got " + now.get(k));
        }
      });
      now.forEach((k, v) -> {
        if (!expected.containsKey(k)) {
          diff.put(k, "not expected, got " + v);
        }
      });
      throw new AssertionError("the keyspace after the restore to revision " + target + " (between deltas ending at "
          + pair[0] + " and " + pair[1] + ") differs in " + diff.size() + " keys: "
          + diff.entrySet().stream().limit(20).toList());
    }
    // Every member serves that keyspace, not only the restored one.
    for (int i = 0; i < 3; i++) {
      assertEquals(expected.size(), Kv.all(etcd.ip(i), 0).size(), "keys on " + etcd.pod(i));
    }
    restored = expected;
    restoredRevision = target;
  }

  @Test
  @Order(4)
  void theRestoredStateSurvivesARestartOfEveryMember() throws Exception {
    assertTrue(restored != null, "the point-in-time restore step ran first");
    // A restore that only lasts until the next start is no restore: every member's etcd is killed
    // (a crash each, one after the other) and must come back on the restored data, not on the
    // newest backup or the pre-restore volumes.
    for (int i = 0; i < 3; i++) {
      etcd.shared.local.podRunner().killContainer(EtcdUnderTest.NS, etcd.pod(i), "etcd");
      etcd.awaitReady(3, FORM);
    }
    Map<String, String> now = Kv.all(etcd.ip(0), 0);
    assertEquals(restored.size(), now.size(), "keys after restarting every member (restored to revision "
        + restoredRevision + ")");
    assertEquals(restored, now, "the keyspace after restarting every member");
  }

  /** Two consecutive delta ends after {@code after} with room for a revision between them, or null. */
  private static long[] gap(List<Long> ends, long after) {
    List<Long> later = ends.stream().filter(e -> e > after).sorted().toList();
    for (int i = 0; i + 1 < later.size(); i++) {
      if (later.get(i + 1) - later.get(i) >= 3) {
        return new long[] {later.get(i), later.get(i + 1)};
      }
    }
    return null;
  }

  /**
   * SIGKILL to both containers of each member in {@code ordinals}; all stay down while their volumes
   * are emptied and {@code whileDown} runs, then they start again on empty disks.
   */
  private void holdDown(List<Integer> ordinals, Runnable whileDown) throws InterruptedException {
    PodRunner runner = etcd.shared.local.podRunner();
    Runnable chain = () -> {
      ordinals.forEach(i -> emptyDirectory(etcd.volume(i)));
      whileDown.run();
    };
    for (int i = ordinals.size() - 1; i >= 0; i--) {
      String pod = etcd.pod(ordinals.get(i));
      for (String container : List.of("agent", "etcd")) {
        Runnable inner = chain;
        chain = () -> {
          try {
            runner.killContainer(EtcdUnderTest.NS, pod, container, inner);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while holding " + pod + "/" + container, e);
          }
        };
      }
    }
    chain.run();
  }

  private static void emptyDirectory(Path dir) {
    try (Stream<Path> children = Files.list(dir)) {
      for (Path c : children.toList()) {
        if (Files.isDirectory(c)) {
          dev.cairn.testkit.TestDirs.deleteRecursively(c);
        } else {
          Files.delete(c);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot empty " + dir, e);
    }
  }

  /** END revisions of the complete deltas in the store (their metadata file written last). */
  private List<Long> deltaEnds() {
    return storeMetadata().stream().filter(k -> k.contains("-delta-")).map(QuorumRecoveryE2eIT::end).sorted().toList();
  }

  /** The newest END revision of any complete snapshot in the store. */
  private long newestStoredEnd() {
    return storeMetadata().stream().mapToLong(QuorumRecoveryE2eIT::end).max().orElse(0);
  }

  private static long end(String key) {
    String name = key.substring(key.lastIndexOf('/') + 1);
    return Long.parseLong(name.substring(0, name.indexOf('-')));
  }

  private List<String> storeMetadata() {
    MinioClient s3 = MinioClient.builder().endpoint(etcd.shared.local.s3().endpoint().toString()).region(LocalS3.REGION)
        .credentials(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY).build();
    List<String> keys = new ArrayList<>();
    try {
      for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(LocalS3.BUCKET).prefix("e2e/" + etcd.name + "/")
          .recursive(true).build())) {
        String k = r.get().objectName();
        String name = k.substring(k.lastIndexOf('/') + 1);
        if (k.endsWith(".meta.json") && name.matches("[0-9]{19}-(full|delta)-.*")) {
          keys.add(k);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the store: " + e, e);
    }
    return keys;
  }
}
