package dev.cairn.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.etcd.EtcdUnavailableException;
import dev.cairn.agent.etcd.MemberStatus;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.EtcdMember;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /member/status} ({@link MemberReport}) and the readiness check against a real etcd: a
 * running member reports its own status; a stopped one is answered from the db on disk without the
 * status call (whose 10 s timeout equals the operator's, see docs/agent.md); a running but frozen one
 * still gets its status once it answers.
 */
class MemberStatusIT {

  /** Counts the status calls, and lets a test know when one has begun. */
  static final class Counting implements Readiness.LocalEtcd {
    final Readiness.LocalEtcd real;
    final AtomicInteger statusCalls = new AtomicInteger();
    final CountDownLatch statusEntered = new CountDownLatch(1);

    Counting(Readiness.LocalEtcd real) {
      this.real = real;
    }

    @Override
    public MemberStatus status() throws EtcdUnavailableException {
      statusCalls.incrementAndGet();
      statusEntered.countDown();
      return real.status();
    }

    @Override
    public boolean isLearner(long memberId) throws EtcdUnavailableException {
      return real.isLearner(memberId);
    }

    @Override
    public String notRunning() {
      return real.notRunning();
    }
  }

  private static long put(Client c, int n) throws Exception {
    long rev = 0;
    for (int i = 0; i < n; i++) {
      rev = c.getKVClient().put(ByteSequence.from("k" + i, StandardCharsets.UTF_8),
          ByteSequence.from("v" + i, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }
    return rev;
  }

  @Test
  void runningReportsEtcdsStatusAndStoppedAnswersFromDiskWithoutTheStatusCall() throws Exception {
    Path dir = TestDirs.create(MemberStatusIT.class, "stopped");
    try (EtcdCluster cluster = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = cluster.client()) {
      EtcdMember m = cluster.member(0);
      long rev = put(c, 12);
      try (EtcdNode node = new EtcdNode(m.clientUrl(), Duration.ofSeconds(10))) {
        MemberStatus real = node.status();
        Counting etcd = new Counting(Readiness.LocalEtcd.of(node));

        ObjectNode running = MemberReport.of(etcd, m.dataDir());
        assertTrue(running.get("etcdRunning").asBoolean(), running.toString());
        assertEquals(real.memberIdHex(), running.get("memberID").asText(), running.toString());
        assertEquals(real.clusterIdHex(), running.get("clusterID").asText(), running.toString());
        assertEquals(rev, running.get("revision").asLong(), running.toString());
        assertTrue(running.get("dataDirPresent").asBoolean(), running.toString());
        assertEquals(1, etcd.statusCalls.get());
        assertTrue(new Readiness(null, etcd).check().ready(), "a running single member is ready");

        m.stop(); // SIGTERM: etcd commits its backend before it exits
        etcd.statusCalls.set(0);
        long t0 = System.nanoTime();
        ObjectNode stopped = MemberReport.of(etcd, m.dataDir());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("member status of a stopped etcd answered in " + millis + " ms: " + stopped);
        assertFalse(stopped.get("etcdRunning").asBoolean(), stopped.toString());
        assertEquals(rev, stopped.get("revision").asLong(), "the db on disk holds the last revision: " + stopped);
        assertTrue(stopped.get("memberID").isNull() && stopped.get("clusterID").isNull(), stopped.toString());
        assertTrue(stopped.get("dataDirPresent").asBoolean(), stopped.toString());
        assertTrue(stopped.get("etcdProblem").asText().contains("nothing accepts connections at " + m.clientUrl()),
            stopped.toString());
        assertFalse(stopped.has("problem"), stopped.toString());
        assertEquals(0, etcd.statusCalls.get(), "a stopped etcd is not asked (its call would wait the 10 s timeout)");

        Readiness.Result notReady = new Readiness(null, etcd).check();
        assertFalse(notReady.ready());
        assertTrue(notReady.reason().contains("nothing accepts connections"), notReady.reason());
        assertEquals(0, etcd.statusCalls.get(), "readiness does not wait for a stopped etcd either");

        m.start();
        m.awaitHealthy(EtcdCluster.START_TIMEOUT);
        ObjectNode again = MemberReport.of(etcd, m.dataDir());
        assertTrue(again.get("etcdRunning").asBoolean(), "the client reconnects after etcd restarted: " + again);
        assertEquals(rev, again.get("revision").asLong(), again.toString());
      }
    }
  }

  @Test
  void aFrozenEtcdIsStillAskedAndItsAnswerReportedOnceItResumes() throws Exception {
    Path dir = TestDirs.create(MemberStatusIT.class, "frozen");
    try (EtcdCluster cluster = EtcdCluster.start(dir.resolve("etcd"), 1); Client c = cluster.client()) {
      EtcdMember m = cluster.member(0);
      long rev = put(c, 5);
      try (EtcdNode node = new EtcdNode(m.clientUrl(), Duration.ofSeconds(30))) {
        String memberId = node.status().memberIdHex();
        Counting etcd = new Counting(Readiness.LocalEtcd.of(node));
        signal("STOP", m.pid());
        CompletableFuture<ObjectNode> report;
        try {
          // The kernel still accepts connections for a stopped process: only the status call can tell.
          report = CompletableFuture.supplyAsync(() -> MemberReport.of(etcd, m.dataDir()));
          assertTrue(etcd.statusEntered.await(30, TimeUnit.SECONDS), "the report asked etcd for its status");
          // etcd cannot answer while stopped; give the call time to be in flight before it resumes.
          Thread.sleep(1500);
          assertFalse(report.isDone(), "the report waits for the frozen etcd");
        } finally {
          signal("CONT", m.pid());
        }
        ObjectNode n = report.get(60, TimeUnit.SECONDS);
        assertNotNull(n);
        assertTrue(n.get("etcdRunning").asBoolean(), "a slow etcd's status is reported: " + n);
        assertEquals(memberId, n.get("memberID").asText(), n.toString());
        assertEquals(rev, n.get("revision").asLong(), n.toString());
      }
    }
  }

  private static void signal(String sig, long pid) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "kill -" + sig + " finished");
    assertEquals(0, p.exitValue(), "kill -" + sig + " " + pid + ": " + new String(p.getInputStream().readAllBytes()));
  }
}
