package dev.cairn.controller.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.EtcdMember;
import dev.cairn.testkit.TestCerts;
import dev.cairn.testkit.TestDirs;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  void clientAndPeerTlsWithClientCertAuthAndTheKeyEncodingsCertManagerWrites() throws Exception {
    Path dir = TestDirs.create(JetcdEtcdAdminIT.class, "tls");
    TestCerts.Ca ca = TestCerts.ca("admin test CA");
    // RSA in PKCS#1 (cert-manager's default encoding), which Netty alone cannot read.
    Path client = TestCerts.writeSecretDir(dir.resolve("client-tls"),
        ca.issue("etcd", TestCerts.LOOPBACK_DNS, TestCerts.LOOPBACK_IPS, TestCerts.KeyType.RSA),
        TestCerts.KeyEncoding.TRADITIONAL, ca);
    Path peer = TestCerts.writeSecretDir(dir.resolve("peer-tls"),
        ca.issue("etcd-peer", TestCerts.LOOPBACK_DNS, TestCerts.LOOPBACK_IPS), TestCerts.KeyEncoding.TRADITIONAL, ca);
    try (EtcdCluster cluster = EtcdCluster.builder(dir).members(3).clientTls(client).peerTls(peer).start()) {
      Map<String, URI> endpoints = new LinkedHashMap<>();
      for (EtcdMember m : cluster.members()) {
        assertEquals("https", m.clientUrl().getScheme());
        endpoints.put(m.name(), m.clientUrl());
      }
      EtcdAdmin admin = new JetcdEtcdAdmin(Duration.ofSeconds(10));
      ClientTls material = new ClientTls(Files.readAllBytes(client.resolve("ca.crt")),
          Files.readAllBytes(client.resolve("tls.crt")), Files.readAllBytes(client.resolve("tls.key")));
      EtcdAdmin.Target target = new EtcdAdmin.Target("ns", "tls", endpoints, material);
      assertEquals(3, admin.members(target).size());
      String leader = admin.leaderId(target);
      assertTrue(admin.members(target).stream().anyMatch(m -> m.id().equals(leader)), "leader " + leader);

      // client-cert-auth is on: the CA alone gets nowhere, and the error says so.
      EtcdAdmin.Target noCert = new EtcdAdmin.Target("ns", "tls", endpoints,
          new ClientTls(Files.readAllBytes(client.resolve("ca.crt")), null, null));
      assertThrows(EtcdAdminException.class, () -> admin.members(noCert));

      // A key that is not PEM is a clear error naming the Secret key, never the key material.
      EtcdAdmin.Target badKey = new EtcdAdmin.Target("ns", "tls", endpoints, new ClientTls(
          Files.readAllBytes(client.resolve("ca.crt")), Files.readAllBytes(client.resolve("tls.crt")),
          "not a key".getBytes(StandardCharsets.US_ASCII)));
      EtcdAdminException e = assertThrows(EtcdAdminException.class, () -> admin.members(badKey));
      assertTrue(e.getMessage().contains("tls.key"), e.getMessage());
    } finally {
      TestDirs.deleteRecursively(dir);
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
