package dev.cairn.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.agent.etcd.EtcdUnavailableException;
import dev.cairn.agent.etcd.MemberStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /member/status} as the controller's AgentClient reads it (docs/operator.md, contracts). */
class MemberReportTest {

  @TempDir Path dataDir;

  private static Readiness.LocalEtcd etcd(MemberStatus s) {
    return new Readiness.LocalEtcd() {
      @Override
      public MemberStatus status() throws EtcdUnavailableException {
        if (s == null) {
          throw new EtcdUnavailableException("etcd does not answer", null);
        }
        return s;
      }

      @Override
      public boolean isLearner(long memberId) {
        return false;
      }
    };
  }

  @Test
  void aRunningMemberReportsItsIdsAndRevisionFromEtcd() {
    ObjectNode n = MemberReport.of(etcd(new MemberStatus(0xa1, 0xc2, 0xa1, 42, "3.5.17", 1)), dataDir);
    assertEquals("a1", n.get("memberID").asText());
    assertEquals("c2", n.get("clusterID").asText());
    assertEquals(42, n.get("revision").asLong());
    assertTrue(n.get("etcdRunning").asBoolean());
  }

  @Test
  void aStoppedMemberWithoutDataReportsNoRevision() {
    ObjectNode n = MemberReport.of(etcd(null), dataDir);
    assertFalse(n.get("etcdRunning").asBoolean());
    assertFalse(n.get("dataDirPresent").asBoolean());
    assertEquals(-1, n.get("revision").asLong());
    assertTrue(n.get("clusterID").isNull());
  }
}
