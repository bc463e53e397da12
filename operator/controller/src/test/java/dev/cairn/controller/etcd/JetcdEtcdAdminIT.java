package dev.cairn.controller.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.EtcdMember;
import dev.cairn.testkit.TestDirs;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real EtcdAdmin against a real 3-member etcd: list, leader, move leadership, remove a member. */
class JetcdEtcdAdminIT {

  @Test
  void membershipAndLeadershipOnARealCluster() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.start(TestDirs.create(JetcdEtcdAdminIT.class, "three"), 3)) {
      cluster.awaitHealthy(Duration.ofSeconds(30));
      Map<String, URI> endpoints = new LinkedHashMap<>();
      for (EtcdMember m : cluster.members()) {
        endpoints.put(m.name(), m.clientUrl());
      }
      EtcdAdmin admin = new JetcdEtcdAdmin(Duration.ofSeconds(10));
      EtcdAdmin.Target target = new EtcdAdmin.Target("ns", "real", endpoints, null);

      List<EtcdAdmin.Member> members = admin.members(target);
      assertEquals(3, members.size());
      assertEquals(endpoints.keySet(), members.stream().map(EtcdAdmin.Member::name).collect(java.util.stream.Collectors.toSet()));
      String leader = admin.leaderId(target);
      String leaderName = members.stream().filter(m -> m.id().equals(leader)).findFirst().orElseThrow().name();

      EtcdAdmin.Member other = members.stream().filter(m -> !m.id().equals(leader)).findFirst().orElseThrow();
      admin.moveLeader(target, leaderName, other.id());
      assertEquals(other.id(), admin.leaderId(target), "leadership moved");

      EtcdAdmin.Member victim = members.stream().filter(m -> !m.id().equals(other.id())).findFirst().orElseThrow();
      // etcd refuses reconfiguration ("unhealthy cluster") until a new leader has been connected to every
      // member for a few seconds; the operator retries on its next pass, the test the same way.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        try {
          admin.removeMember(target, victim.id());
          break;
        } catch (EtcdAdminException e) {
          if (!e.getMessage().contains("unhealthy cluster") || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(500);
        }
      }
      Map<String, URI> remaining = new LinkedHashMap<>(endpoints);
      remaining.remove(victim.name());
      EtcdAdmin.Target after = new EtcdAdmin.Target("ns", "real", remaining, null);
      List<EtcdAdmin.Member> left = admin.members(after);
      assertEquals(2, left.size());
      assertTrue(left.stream().noneMatch(m -> m.id().equals(victim.id())));
      assertNotEquals(victim.id(), admin.leaderId(after));
    }
  }

  @Test
  void anUnreachableClusterFailsWithinTheTimeoutSayingWhere() {
    EtcdAdmin admin = new JetcdEtcdAdmin(Duration.ofSeconds(2));
    var target = new EtcdAdmin.Target("ns", "gone", Map.of("gone-0", URI.create("http://127.0.0.1:1")), null);
    long t = System.nanoTime();
    EtcdAdminException e = assertThrows(EtcdAdminException.class, () -> admin.members(target));
    assertTrue(e.getMessage().contains("ns/gone"), e.getMessage());
    assertTrue(System.nanoTime() - t < Duration.ofSeconds(30).toNanos(), "bounded");
  }
}
