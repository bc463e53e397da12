package dev.cairn.controller.model;

import static dev.cairn.controller.model.Fixtures.CFG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cairn.api.v1alpha1.AutoCompaction;
import dev.cairn.api.v1alpha1.AutoCompactionMode;
import dev.cairn.api.v1alpha1.Etcd;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConfigRendererTest {

  private static final ObjectMapper YAML = new YAMLMapper();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String yaml) throws Exception {
    return YAML.readValue(yaml, Map.class);
  }

  @Test
  void etcdTemplateHoldsClusterWideValuesWithEtcdConfigFileKeys() throws Exception {
    Map<String, Object> m = parse(ConfigRenderer.etcdConfig(Fixtures.plain(), 3));
    assertEquals("orders-0=http://orders-0.orders-peer.platform.svc:2380,"
        + "orders-1=http://orders-1.orders-peer.platform.svc:2380,orders-2=http://orders-2.orders-peer.platform.svc:2380",
        m.get("initial-cluster"));
    assertEquals("cairn-0b1c2d3e-0000-4000-8000-000000000001", m.get("initial-cluster-token"));
    assertEquals(75000, m.get("snapshot-count"));
    assertEquals(8589934592L, ((Number) m.get("quota-backend-bytes")).longValue());
    assertEquals("periodic", m.get("auto-compaction-mode"));
    assertEquals("30m", m.get("auto-compaction-retention"));
    assertEquals(100, m.get("heartbeat-interval"));
    assertEquals(1000, m.get("election-timeout"));
    assertEquals("basic", m.get("metrics"));
    assertFalse(m.containsKey("client-transport-security"));
    for (String memberSpecific : new String[] {"name", "data-dir", "initial-cluster-state", "listen-client-urls",
        "advertise-client-urls", "listen-peer-urls", "initial-advertise-peer-urls"}) {
      assertFalse(m.containsKey(memberSpecific), memberSpecific + " is the agent's to fill in");
    }
  }

  @Test
  void tlsCompactionAndExtraArgs() throws Exception {
    Etcd e = Fixtures.full();
    e.getSpec().getEtcd().setAutoCompaction(new AutoCompaction(AutoCompactionMode.REVISION, "10000"));
    e.getSpec().getEtcd().setExtraArgs(new TreeMap<>(Map.of(
        "max-request-bytes", "2097152", "log-level", "warn", "enable-pprof", "true")));
    Map<String, Object> m = parse(ConfigRenderer.etcdConfig(e, 1));
    assertEquals("orders-0=https://orders-0.orders-peer.platform.svc:2380", m.get("initial-cluster"));
    assertEquals(Map.of("client-cert-auth", true), m.get("client-transport-security"));
    assertEquals(Map.of("client-cert-auth", true), m.get("peer-transport-security"));
    assertEquals("revision", m.get("auto-compaction-mode"));
    assertEquals("10000", m.get("auto-compaction-retention"));
    assertEquals(2097152, m.get("max-request-bytes"), "numbers unquoted, as etcd's config file wants");
    assertEquals(true, m.get("enable-pprof"));
    assertEquals("warn", m.get("log-level"));
  }

  @Test
  void agentConfigHasSettingsButNoPaths() throws Exception {
    String text = ConfigRenderer.agentConfig(Fixtures.full(), CFG);
    Map<String, Object> m = parse(text);
    assertEquals(Map.of("cluster", "orders", "version", "3.5.17", "clientPort", 2379, "peerPort", 2380,
        "clientTLS", true, "peerTLS", true, "peerService", "orders-peer", "clientService", "orders-client"), m.get("etcd"));
    assertEquals(Map.of("port", 8080, "tls", true), m.get("agent"));
    assertEquals(Map.of("fullSnapshot", "orders-full-snapshot", "deltaSnapshot", "orders-delta-snapshot"), m.get("leases"));
    @SuppressWarnings("unchecked")
    Map<String, Object> b = (Map<String, Object>) m.get("backup");
    assertEquals("S3", b.get("provider"));
    assertEquals("0 */1 * * *", b.get("fullSnapshotSchedule"));
    assertEquals("20s", b.get("deltaSnapshotPeriod"));
    assertEquals(104857600, b.get("deltaSnapshotMemoryLimit"));
    assertEquals("None", b.get("compression"));
    assertEquals(true, b.get("encryption"));
    assertEquals(true, b.get("token"));
    assertEquals(Map.of("policy", "Exponential", "period", "1m"), b.get("garbageCollection"));
    String both = text + ConfigRenderer.etcdConfig(Fixtures.full(), 3);
    assertFalse(both.contains("/etc/") || both.contains("/var/"), "no file path in ConfigMap content");
    assertFalse(parse(ConfigRenderer.agentConfig(Fixtures.plain(), CFG)).containsKey("backup"));
  }

  @Test
  void checksumIgnoresMembershipButNotSettings() {
    Etcd e = Fixtures.plain();
    String c = ConfigRenderer.checksum(e, CFG);
    assertEquals(c, ConfigRenderer.checksum(Fixtures.plain(), CFG));
    e.getSpec().setReplicas(5);
    assertEquals(c, ConfigRenderer.checksum(e, CFG), "scaling never rolls the members");
    e.getSpec().getEtcd().setElectionTimeoutMillis(2000);
    assertNotEquals(c, ConfigRenderer.checksum(e, CFG));
    Etcd b = Fixtures.full();
    String withBackup = ConfigRenderer.checksum(b, CFG);
    b.getSpec().getBackup().setDeltaSnapshotPeriod("30s");
    assertNotEquals(withBackup, ConfigRenderer.checksum(b, CFG));
    assertTrue(MemberConfigMap.build(Fixtures.plain(), CFG, 3).getData().keySet()
        .containsAll(java.util.List.of("etcd.yaml", "agent.yaml")));
  }
}
