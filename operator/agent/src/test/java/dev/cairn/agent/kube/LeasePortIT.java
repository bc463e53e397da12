package dev.cairn.agent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.lease.MemberRole;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.testkit.ApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Fabric8LeasePort} against the CRUD mock API server: it updates the operator's Leases and never creates one. */
class LeasePortIT {

  private static final String NS = "etcd-ns";
  private static ApiServer api;
  private static KubernetesClient kube;

  @BeforeAll
  static void start() {
    api = ApiServer.start();
    kube = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @BeforeEach
  void leases() {
    kube.leases().inNamespace(NS).delete();
    for (String name : new String[] {"c-0", "c-full-snapshot", "c-delta-snapshot"}) {
      kube.leases().inNamespace(NS).resource(new LeaseBuilder().withNewMetadata().withName(name).withNamespace(NS)
          .endMetadata().withNewSpec().withHolderIdentity("operator-made").withLeaseDurationSeconds(30).endSpec()
          .build()).create();
    }
    api.resetWrites();
  }

  private static Lease lease(String name) {
    return kube.leases().inNamespace(NS).withName(name).get();
  }

  private static LeasePort port() {
    return new Fabric8LeasePort(kube, NS, "c-0", "c-full-snapshot", "c-delta-snapshot");
  }

  @Test
  void renewsTheMemberLeaseWithIdentityRoleAndTimeOfNow() throws Exception {
    Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
    String holder = LeasePort.memberHolderIdentity(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L, MemberRole.LEADER);
    port().renewMemberLease(holder);
    Instant after = Instant.now();
    Lease l = lease("c-0");
    assertEquals("8e9e05c52164694d:cdf818194e3a8c32:Leader", l.getSpec().getHolderIdentity());
    Instant renewed = l.getSpec().getRenewTime().toInstant();
    assertFalse(renewed.isBefore(before) || renewed.isAfter(after), renewed + " not in [" + before + ", " + after + "]");
    assertEquals(30, l.getSpec().getLeaseDurationSeconds(), "the operator's other fields are kept");
    assertEquals("operator-made", lease("c-full-snapshot").getSpec().getHolderIdentity(), "other Leases untouched");

    port().renewMemberLease(LeasePort.memberHolderIdentity(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L, MemberRole.LEARNER));
    assertEquals("8e9e05c52164694d:cdf818194e3a8c32:Learner", lease("c-0").getSpec().getHolderIdentity());
    assertEquals(2, api.writes().size(), api.writes().toString());
    assertTrue(api.writes().stream().allMatch(w -> w.startsWith("PUT /apis/coordination.k8s.io/v1/namespaces/" + NS
        + "/leases/c-0")), api.writes().toString());
  }

  @Test
  void snapshotLeasesCarryTheEndRevisionAndTheSnapshotTime() throws Exception {
    Instant fullAt = Instant.parse("2026-01-02T03:04:05.123456789Z");
    Instant deltaAt = Instant.parse("2026-01-02T03:05:00.000001Z");
    port().renewSnapshotLease(SnapshotKind.FULL, 1234, fullAt);
    port().renewSnapshotLease(SnapshotKind.DELTA, 1300, deltaAt);
    Lease full = lease("c-full-snapshot");
    Lease delta = lease("c-delta-snapshot");
    assertEquals("1234", full.getSpec().getHolderIdentity());
    assertEquals(fullAt.truncatedTo(ChronoUnit.MICROS), full.getSpec().getRenewTime().toInstant(),
        "MicroTime keeps microseconds");
    assertEquals(ZoneOffset.UTC, full.getSpec().getRenewTime().getOffset());
    assertEquals("1300", delta.getSpec().getHolderIdentity());
    assertEquals(deltaAt, delta.getSpec().getRenewTime().toInstant());
    assertEquals("operator-made", lease("c-0").getSpec().getHolderIdentity());
    assertEquals("2026-01-02T03:04:05.123456Z", Fabric8LeasePort.microTime(fullAt));
  }

  @Test
  void aMissingLeaseIsReportedAndNeverCreated() throws Exception {
    kube.leases().inNamespace(NS).withName("c-0").delete();
    api.resetWrites();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> port().renewMemberLease("x:y:Member"));
    assertTrue(e.getMessage().contains(NS + "/c-0") && e.getMessage().contains("operator creates it"), e.getMessage());
    assertNull(lease("c-0"), "the agent must not create the operator's Lease");
    assertEquals(0, api.writeCount(), api.writes().toString());

    LeasePort other = new Fabric8LeasePort(kube, "elsewhere", "c-0", "c-full-snapshot", "c-delta-snapshot");
    assertThrows(IllegalStateException.class, () -> other.renewSnapshotLease(SnapshotKind.FULL, 1, Instant.now()));
    assertNull(kube.leases().inNamespace("elsewhere").withName("c-full-snapshot").get());
    assertEquals(0, api.writeCount(), api.writes().toString());
  }

  @Test
  void unnamedLeasesAreNotTouched() throws Exception {
    LeasePort memberOnly = new Fabric8LeasePort(kube, NS, "c-0", null, "");
    memberOnly.renewSnapshotLease(SnapshotKind.FULL, 5, Instant.now());
    memberOnly.renewSnapshotLease(SnapshotKind.DELTA, 6, Instant.now());
    assertEquals(0, api.writeCount(), api.writes().toString());
  }
}
