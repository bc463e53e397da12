package dev.cairn.controller.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.Etcd;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class NamesAndQuorumTest {

  @Test
  void namesDeriveFromTheEtcd() {
    Etcd e = new Etcd("platform", "orders");
    assertEquals("orders", Names.statefulSet(e));
    assertEquals("orders-config", Names.configMap(e));
    assertEquals("orders-client", Names.clientService(e));
    assertEquals("orders-peer", Names.peerService(e));
    assertEquals("orders", Names.podDisruptionBudget(e));
    assertEquals("orders", Names.rbac(e));
    assertEquals("orders-2", Names.pod(e, 2));
    assertEquals("orders-2", Names.memberLease(e, 2));
    assertEquals("orders-full-snapshot", Names.fullSnapshotLease(e));
    assertEquals("orders-delta-snapshot", Names.deltaSnapshotLease(e));
    assertEquals("data-orders-1", Names.dataVolumeClaim(e, 1));
    assertEquals("orders-1.orders-peer.platform.svc", Names.peerHost(e, 1));
    assertEquals("orders-client.platform.svc", Names.clientHost(e));
  }

  @Test
  void ordinalsAreParsedOnlyFromMemberNames() {
    assertEquals(OptionalInt.of(4), Names.ordinal("orders", "orders-4"));
    assertEquals(OptionalInt.of(12), Names.ordinal("orders", "orders-12"));
    assertEquals(OptionalInt.empty(), Names.ordinal("orders", "orders-full-snapshot"));
    assertEquals(OptionalInt.empty(), Names.ordinal("orders", "orders-"));
    assertEquals(OptionalInt.empty(), Names.ordinal("orders", "orders-x1"));
    assertEquals(OptionalInt.empty(), Names.ordinal("orders", "other-1"));
    assertEquals(OptionalInt.empty(), Names.ordinal("orders", "orders-a-1"));
    assertTrue(Names.isSnapshotLease("orders-full-snapshot"));
    assertTrue(Names.isSnapshotLease("orders-delta-snapshot"));
    assertFalse(Names.isSnapshotLease("orders-1"));
  }

  @ParameterizedTest(name = "{0} members: quorum {1}, PDB minAvailable {2}, tolerates {3}")
  @CsvSource({"0,0,0,0", "1,1,0,0", "2,2,2,0", "3,2,2,1", "4,3,3,1", "5,3,3,2", "6,4,4,2", "7,4,4,3"})
  void quorumArithmetic(int members, int quorum, int minAvailable, int tolerance) {
    assertEquals(quorum, Quorum.of(members));
    assertEquals(minAvailable, Quorum.pdbMinAvailable(members));
    assertEquals(tolerance, Quorum.faultTolerance(members));
    assertEquals(minAvailable, DisruptionBudget.build(new Etcd("ns", "e"), members).getSpec().getMinAvailable().getIntVal());
  }
}
