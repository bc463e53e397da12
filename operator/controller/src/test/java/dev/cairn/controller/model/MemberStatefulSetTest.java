package dev.cairn.controller.model;

import static dev.cairn.controller.model.Fixtures.CFG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.Annotations;
import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.RetentionPolicy;
import dev.cairn.api.v1alpha1.SchedulingSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MemberStatefulSetTest {

  private static Container container(StatefulSet s, String name) {
    return s.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Map<String, String> mounts(Container c) {
    return c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
  }

  private static Map<String, String> literalEnv(Container c) {
    return c.getEnv().stream().filter(v -> v.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  private static Map<String, Volume> volumes(StatefulSet s) {
    return s.getSpec().getTemplate().getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
  }

  @Test
  void shapeNamesLabelsAndPolicies() {
    Etcd e = Fixtures.plain();
    StatefulSet s = MemberStatefulSet.build(e, CFG, 3, null);
    assertEquals("orders", s.getMetadata().getName());
    assertEquals("platform", s.getMetadata().getNamespace());
    assertEquals("Etcd", s.getMetadata().getOwnerReferences().get(0).getKind());
    assertEquals(e.getMetadata().getUid(), s.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals(Boolean.TRUE, s.getMetadata().getOwnerReferences().get(0).getController());
    assertEquals(3, s.getSpec().getReplicas());
    assertEquals("orders-peer", s.getSpec().getServiceName());
    assertEquals("Parallel", s.getSpec().getPodManagementPolicy());
    assertEquals("OnDelete", s.getSpec().getUpdateStrategy().getType());
    assertEquals(Labels.memberSelector("orders"), s.getSpec().getSelector().getMatchLabels());
    Map<String, String> podLabels = s.getSpec().getTemplate().getMetadata().getLabels();
    assertTrue(podLabels.entrySet().containsAll(Labels.memberSelector("orders").entrySet()));
    assertEquals("cairn", podLabels.get(Labels.MANAGED_BY));
    assertEquals("Retain", s.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
    assertEquals("Retain", s.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled());
    assertEquals("orders", s.getSpec().getTemplate().getSpec().getServiceAccountName());
    assertNull(s.getMetadata().getAnnotations());
    assertEquals("5", MemberStatefulSet.build(e, CFG, 0, 5).getMetadata().getAnnotations()
        .get(MemberStatefulSet.HIBERNATED_REPLICAS));
    e.getSpec().getDeletionPolicy().setVolumes(RetentionPolicy.DELETE);
    assertEquals("Delete", MemberStatefulSet.build(e, CFG, 3, null).getSpec()
        .getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
  }

  @Test
  void containersStartTheCairnLauncherWithPathsInArgs() {
    StatefulSet s = MemberStatefulSet.build(Fixtures.plain(), CFG, 3, null);
    Container etcd = container(s, "etcd");
    Container agent = container(s, "agent");
    assertEquals(List.of("cairn", "wrapper"), etcd.getCommand());
    assertEquals(List.of("cairn", "agent", "server"), agent.getCommand());
    assertEquals("registry.test/cairn-etcd:v3.5.17", etcd.getImage());
    assertEquals("registry.test/cairn:1.0", agent.getImage());
    assertEquals(List.of("--agent-url=http://$(POD_IP):8080", "--agent-token-file=/etc/cairn/secrets/agent-api/token",
        "--data-dir=/var/lib/etcd", "--config-file=/var/run/cairn/etcd.conf.yaml"), etcd.getArgs());
    assertEquals(List.of("--endpoints=http://$(POD_IP):2379", "--listen=$(POD_IP):8080",
        "--scratch-dir=/var/lib/cairn/scratch", "--full-snapshot-lease=orders-full-snapshot",
        "--delta-snapshot-lease=orders-delta-snapshot", "--api-token-file=/etc/cairn/secrets/agent-api/token",
        "--bootstrap-directive=/etc/cairn/bootstrap/directive.json"), agent.getArgs());
    assertEquals(Map.of("CAIRN_ETCD_NAME", "orders", "CAIRN_DATA_DIR", "/var/lib/etcd",
        "CAIRN_ETCD_CONFIG", "/etc/cairn/config/etcd.yaml", "CAIRN_AGENT_CONFIG", "/etc/cairn/config/agent.yaml"),
        literalEnv(agent));
    assertEquals(Map.of("CAIRN_ETCD_NAME", "orders"), literalEnv(etcd));
    for (Container c : List.of(etcd, agent)) {
      Map<String, String> env = c.getEnv().stream().filter(v -> v.getValueFrom() != null)
          .collect(Collectors.toMap(EnvVar::getName, v -> v.getValueFrom().getFieldRef().getFieldPath()));
      assertEquals(Map.of("POD_NAME", "metadata.name", "POD_NAMESPACE", "metadata.namespace", "POD_IP", "status.podIP"), env);
      assertTrue(c.getArgs().stream().noneMatch(a -> a.contains("0.0.0.0") || a.contains("localhost")));
      assertEquals("/var/lib/etcd", mounts(c).get("data"));
      assertEquals("/etc/cairn/config", mounts(c).get("config"));
      assertEquals("/tmp", mounts(c).get("tmp"));
    }
    assertEquals(List.of(2379, 2380), etcd.getPorts().stream().map(p -> p.getContainerPort()).toList());
    assertEquals(8080, agent.getPorts().get(0).getContainerPort());
    assertEquals("/var/lib/cairn/scratch", mounts(agent).get("scratch"));
    assertEquals("/var/run/cairn", mounts(etcd).get("run"));
  }

  @Test
  void readinessIsAnHttpGetOnTheAgent() {
    StatefulSet s = MemberStatefulSet.build(Fixtures.plain(), CFG, 3, null);
    var probe = container(s, "etcd").getReadinessProbe();
    assertEquals("/readyz", probe.getHttpGet().getPath());
    assertEquals(8080, probe.getHttpGet().getPort().getIntVal());
    assertEquals("HTTP", probe.getHttpGet().getScheme());
    assertNull(probe.getExec());
    assertNull(probe.getTcpSocket());
    assertNull(container(s, "agent").getLivenessProbe(), "a store outage must never restart members");
    var tls = container(MemberStatefulSet.build(Fixtures.full(), CFG, 3, null), "etcd").getReadinessProbe();
    assertEquals("HTTPS", tls.getHttpGet().getScheme());
  }

  @Test
  void runsNonRootReadOnlyWithoutEscalation() {
    StatefulSet s = MemberStatefulSet.build(Fixtures.plain(), CFG, 3, null);
    var pod = s.getSpec().getTemplate().getSpec().getSecurityContext();
    assertEquals(Boolean.TRUE, pod.getRunAsNonRoot());
    assertEquals(65532L, pod.getRunAsUser());
    assertEquals(65532L, pod.getFsGroup());
    assertEquals("RuntimeDefault", pod.getSeccompProfile().getType());
    for (String name : List.of("etcd", "agent")) {
      var c = container(s, name).getSecurityContext();
      assertEquals(Boolean.TRUE, c.getReadOnlyRootFilesystem(), name);
      assertEquals(Boolean.FALSE, c.getAllowPrivilegeEscalation(), name);
      assertEquals(Boolean.FALSE, c.getPrivileged(), name);
      assertEquals(Boolean.TRUE, c.getRunAsNonRoot(), name);
      assertEquals(List.of("ALL"), c.getCapabilities().getDrop(), name);
      assertEquals("RuntimeDefault", c.getSeccompProfile().getType(), name);
    }
  }

  @Test
  void spreadsAcrossNodesUnlessTheUserPlacesMembers() {
    StatefulSet s = MemberStatefulSet.build(Fixtures.plain(), CFG, 3, null);
    var term = s.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
        .getPreferredDuringSchedulingIgnoredDuringExecution().get(0);
    assertEquals("kubernetes.io/hostname", term.getPodAffinityTerm().getTopologyKey());
    assertEquals(Labels.memberSelector("orders"), term.getPodAffinityTerm().getLabelSelector().getMatchLabels());

    Etcd e = Fixtures.plain();
    SchedulingSpec sch = new SchedulingSpec();
    sch.setTopologySpreadConstraints(List.of(new TopologySpreadConstraintBuilder().withMaxSkew(1)
        .withTopologyKey("topology.kubernetes.io/zone").withWhenUnsatisfiable("DoNotSchedule").build()));
    sch.setPriorityClassName("system-cluster-critical");
    sch.setNodeSelector(Map.of("disk", "ssd"));
    e.getSpec().setScheduling(sch);
    var spec = MemberStatefulSet.build(e, CFG, 3, null).getSpec().getTemplate().getSpec();
    assertNull(spec.getAffinity(), "the user's placement replaces the default");
    assertEquals("topology.kubernetes.io/zone", spec.getTopologySpreadConstraints().get(0).getTopologyKey());
    assertEquals("system-cluster-critical", spec.getPriorityClassName());
    assertEquals(Map.of("disk", "ssd"), spec.getNodeSelector());
  }

  @Test
  void volumeClaimTemplateFollowsStorage() {
    Etcd e = Fixtures.plain();
    e.getSpec().getStorage().setCapacity(new Quantity("16Gi"));
    e.getSpec().getStorage().setStorageClassName("fast-ssd");
    var t = MemberStatefulSet.build(e, CFG, 3, null).getSpec().getVolumeClaimTemplates().get(0);
    assertEquals("data", t.getMetadata().getName());
    assertEquals(new Quantity("16Gi"), t.getSpec().getResources().getRequests().get("storage"));
    assertEquals("fast-ssd", t.getSpec().getStorageClassName());
    assertEquals(List.of("ReadWriteOnce"), t.getSpec().getAccessModes());
    assertEquals("orders", t.getMetadata().getLabels().get(Labels.INSTANCE));
  }

  @Test
  void tlsAndBackupSecretsAreMountedAndPassedAsPaths() {
    StatefulSet s = MemberStatefulSet.build(Fixtures.full(), CFG, 3, null);
    Map<String, Volume> v = volumes(s);
    assertEquals("orders-client-tls", v.get("client-tls").getSecret().getSecretName());
    assertEquals("orders-peer-tls", v.get("peer-tls").getSecret().getSecretName());
    assertEquals("orders-agent-tls", v.get("agent-tls").getSecret().getSecretName());
    assertEquals("orders-s3", v.get("store-credentials").getSecret().getSecretName());
    assertEquals("orders-s3-ca", v.get("store-ca").getSecret().getSecretName());
    assertEquals("orders-key", v.get("encryption-key").getSecret().getSecretName());
    assertEquals("orders-token", v.get("backup-token").getSecret().getSecretName());
    assertEquals(0440, v.get("client-tls").getSecret().getDefaultMode());
    Container etcd = container(s, "etcd");
    Container agent = container(s, "agent");
    assertEquals("/etc/cairn/tls/client", mounts(etcd).get("client-tls"));
    assertEquals("/etc/cairn/tls/peer", mounts(etcd).get("peer-tls"));
    // The wrapper dials the agent by the DNS name its certificate covers and trusts the agent Secret's CA.
    assertEquals(List.of("--agent-url=https://$(POD_NAME).orders-peer.platform.svc:8080",
        "--agent-ca=/etc/cairn/tls/agent/ca.crt"), etcd.getArgs().subList(0, 2));
    assertEquals("/etc/cairn/tls/agent", mounts(etcd).get("agent-tls"));
    assertTrue(etcd.getVolumeMounts().stream().filter(m -> m.getName().endsWith("-tls")).allMatch(VolumeMount::getReadOnly));
    assertFalse(mounts(etcd).containsKey("store-credentials"), "etcd never sees store credentials");
    assertEquals(List.of(
        "--endpoints=https://$(POD_NAME).orders-peer.platform.svc:2379", "--listen=$(POD_IP):8080",
        "--scratch-dir=/var/lib/cairn/scratch", "--full-snapshot-lease=orders-full-snapshot",
        "--delta-snapshot-lease=orders-delta-snapshot", "--api-token-file=/etc/cairn/secrets/agent-api/token",
        "--tls-cert=/etc/cairn/tls/agent/tls.crt", "--tls-key=/etc/cairn/tls/agent/tls.key",
        "--store=s3://acme-backups/platform/orders?endpoint=https://minio.example:9000&region=eu-central-1"
            + "&pathStyle=true&ca=/etc/cairn/secrets/store-ca/ca.crt",
        "--store-credentials-dir=/etc/cairn/secrets/store-credentials",
        "--full-schedule=0 */1 * * *", "--delta-period=20s", "--delta-memory-limit=100Mi", "--compression=none",
        "--gc-policy=Exponential", "--gc-period=1m",
        "--encryption-key-file=/etc/cairn/secrets/encryption/key",
        "--token-file=/etc/cairn/secrets/token/token",
        "--bootstrap-directive=/etc/cairn/bootstrap/directive.json"), agent.getArgs());
    assertEquals("/etc/cairn/tls/client", literalEnv(agent).get("CAIRN_CLIENT_TLS_DIR"));
    assertEquals("/etc/cairn/tls/peer", literalEnv(agent).get("CAIRN_PEER_TLS_DIR"));
    assertEquals("/etc/cairn/secrets/store-ca", mounts(agent).get("store-ca"));
  }

  @Test
  void bothContainersGetTheAgentApiTokenAndNothingElseOfIt() {
    StatefulSet s = MemberStatefulSet.build(Fixtures.plain(), CFG, 3, null);
    Volume v = volumes(s).get("agent-api");
    assertEquals("orders-agent-api", v.getSecret().getSecretName());
    assertEquals(0440, v.getSecret().getDefaultMode());
    assertTrue(v.getSecret().getOptional() == null || !v.getSecret().getOptional(),
        "a member never starts without it: its agent would refuse the operator");
    Container etcd = container(s, "etcd");
    Container agent = container(s, "agent");
    for (Container c : List.of(etcd, agent)) {
      assertEquals("/etc/cairn/secrets/agent-api", mounts(c).get("agent-api"), c.getName());
      assertTrue(c.getVolumeMounts().stream().filter(m -> m.getName().equals("agent-api")).allMatch(VolumeMount::getReadOnly));
    }
    assertTrue(etcd.getArgs().contains("--agent-token-file=/etc/cairn/secrets/agent-api/token"), etcd.getArgs().toString());
    assertTrue(agent.getArgs().contains("--api-token-file=/etc/cairn/secrets/agent-api/token"), agent.getArgs().toString());
  }

  @Test
  void archiveRetentionIsPassedOnlyWhenSet() {
    Etcd e = Fixtures.full();
    assertTrue(container(MemberStatefulSet.build(e, CFG, 3, null), "agent").getArgs().stream()
        .noneMatch(a -> a.startsWith("--archive-retention")), "unset: archives are kept");
    e.getSpec().getBackup().getGarbageCollection().setArchiveRetention("720h");
    assertTrue(container(MemberStatefulSet.build(e, CFG, 3, null), "agent").getArgs()
        .contains("--archive-retention=720h"));
  }

  @Test
  void aLocalStoreIsAHostPathAtItsOwnPath() {
    StatefulSet s = MemberStatefulSet.build(Fixtures.localStore(), CFG, 1, null);
    assertEquals("/srv/etcd-backups", volumes(s).get("backup-store").getHostPath().getPath());
    assertEquals("/srv/etcd-backups", mounts(container(s, "agent")).get("backup-store"));
    assertTrue(container(s, "agent").getArgs().contains("--store=file:///srv/etcd-backups/platform/orders"));
  }

  @Test
  void configChangesRollThePodsButScalingDoesNot() {
    Etcd e = Fixtures.plain();
    var t3 = MemberStatefulSet.build(e, CFG, 3, null).getSpec().getTemplate();
    var t5 = MemberStatefulSet.build(e, CFG, 5, null).getSpec().getTemplate();
    assertEquals(t3, t5, "the template does not depend on the member count");
    String checksum = t3.getMetadata().getAnnotations().get(Annotations.CONFIG_CHECKSUM);
    String hash = t3.getMetadata().getAnnotations().get(MemberStatefulSet.POD_SPEC_HASH);
    assertNotNull(checksum);
    assertNotNull(hash);
    assertEquals(t3, MemberStatefulSet.podTemplate(Fixtures.plain(), CFG), "deterministic");

    e.getSpec().getEtcd().setSnapshotCount(1000L);
    var changed = MemberStatefulSet.podTemplate(e, CFG);
    assertNotEquals(checksum, changed.getMetadata().getAnnotations().get(Annotations.CONFIG_CHECKSUM));
    assertNotEquals(hash, changed.getMetadata().getAnnotations().get(MemberStatefulSet.POD_SPEC_HASH));

    Etcd img = Fixtures.plain();
    img.getSpec().getAgent().setImage("registry.test/cairn:2.0");
    var t = MemberStatefulSet.podTemplate(img, CFG);
    assertEquals(checksum, t.getMetadata().getAnnotations().get(Annotations.CONFIG_CHECKSUM));
    assertNotEquals(hash, t.getMetadata().getAnnotations().get(MemberStatefulSet.POD_SPEC_HASH), "an image change rolls");
  }

  @Test
  void imagesComeFromTheSpecOrTheDefaults() {
    Etcd e = Fixtures.plain();
    e.getSpec().getEtcd().setVersion("3.4.23");
    assertEquals("registry.test/cairn-etcd:v3.4.23", EtcdVersion.etcdImage(e, CFG));
    e.getSpec().getEtcd().setImage("mirror.test/etcd:custom");
    assertEquals("mirror.test/etcd:custom", EtcdVersion.etcdImage(e, CFG));
    assertEquals("registry.test/cairn:1.0", EtcdVersion.agentImage(e, CFG));
  }
}
