package dev.cairn.controller.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterObjectsTest {

  private final Etcd e = Fixtures.plain();

  @Test
  void clientServiceCarriesClientAndAgentPorts() {
    var s = ClusterServices.client(e);
    assertEquals("orders-client", s.getMetadata().getName());
    assertEquals(Labels.COMPONENT_CLIENT_SERVICE, s.getMetadata().getLabels().get(Labels.COMPONENT));
    assertEquals("ClusterIP", s.getSpec().getType());
    assertNull(s.getSpec().getClusterIP());
    assertEquals(Labels.memberSelector("orders"), s.getSpec().getSelector());
    assertEquals(List.of("client:2379", "agent:8080"), ports(s.getSpec().getPorts()));
  }

  @Test
  void peerServiceIsHeadlessAndPublishesNotReadyMembers() {
    var s = ClusterServices.peer(e);
    assertEquals("orders-peer", s.getMetadata().getName());
    assertEquals("None", s.getSpec().getClusterIP());
    assertEquals(Boolean.TRUE, s.getSpec().getPublishNotReadyAddresses());
    assertEquals(List.of("peer:2380", "client:2379"), ports(s.getSpec().getPorts()));
  }

  private static List<String> ports(List<ServicePort> p) {
    return p.stream().map(x -> x.getName() + ":" + x.getPort()).toList();
  }

  @Test
  void leasesAreCreatedEmptyAndOwned() {
    var m = ClusterLeases.member(e, 2);
    assertEquals("orders-2", m.getMetadata().getName());
    assertNull(m.getSpec().getHolderIdentity());
    assertNull(m.getSpec().getRenewTime());
    assertEquals(Labels.COMPONENT_LEASE, m.getMetadata().getLabels().get(Labels.COMPONENT));
    assertEquals("orders-full-snapshot", ClusterLeases.fullSnapshot(e).getMetadata().getName());
    assertEquals("orders-delta-snapshot", ClusterLeases.deltaSnapshot(e).getMetadata().getName());
    assertEquals(e.getMetadata().getUid(), m.getMetadata().getOwnerReferences().get(0).getUid());
  }

  @Test
  void pdbSelectsTheMembers() {
    var p = DisruptionBudget.build(e, 5);
    assertEquals("orders", p.getMetadata().getName());
    assertEquals(3, p.getSpec().getMinAvailable().getIntVal());
    assertNull(p.getSpec().getMaxUnavailable());
    assertEquals(Labels.memberSelector("orders"), p.getSpec().getSelector().getMatchLabels());
  }

  @Test
  void agentRbacIsNamespacedAndNamesOnlyThisEtcdsObjects() {
    var role = AgentRbac.role(e);
    assertEquals("orders", role.getMetadata().getName());
    assertEquals("platform", role.getMetadata().getNamespace());
    var leases = role.getRules().get(0);
    assertEquals(List.of("coordination.k8s.io"), leases.getApiGroups());
    assertEquals(List.of("leases"), leases.getResources());
    assertEquals(List.of("get", "update", "patch"), leases.getVerbs());
    assertEquals(11, leases.getResourceNames().size(), "9 member Leases and 2 snapshot Leases");
    assertTrue(leases.getResourceNames().containsAll(List.of("orders-0", "orders-8", "orders-full-snapshot",
        "orders-delta-snapshot")));
    var pods = role.getRules().get(1);
    assertEquals(List.of("pods"), pods.getResources());
    assertEquals(List.of("get"), pods.getVerbs());
    assertEquals(9, pods.getResourceNames().size());
    assertTrue(role.getRules().stream().noneMatch(r -> r.getVerbs().contains("create") || r.getVerbs().contains("*")
        || r.getVerbs().contains("list") || r.getResourceNames() == null || r.getResourceNames().isEmpty()));

    var rb = AgentRbac.roleBinding(e);
    assertEquals("Role", rb.getRoleRef().getKind());
    assertEquals("orders", rb.getRoleRef().getName());
    assertEquals("ServiceAccount", rb.getSubjects().get(0).getKind());
    assertEquals("orders", rb.getSubjects().get(0).getName());
    assertEquals("platform", rb.getSubjects().get(0).getNamespace());
    assertEquals("orders", AgentRbac.serviceAccount(e).getMetadata().getName());
  }
}
