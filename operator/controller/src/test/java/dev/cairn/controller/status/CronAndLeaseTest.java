package dev.cairn.controller.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.MemberRole;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CronAndLeaseTest {

  @ParameterizedTest(name = "\"{0}\" before {1} fired at {2}")
  @CsvSource({
      "'0 */1 * * *', 2025-03-01T12:30:00Z, 2025-03-01T12:00:00Z",
      "'0 */1 * * *', 2025-03-01T12:00:00Z, 2025-03-01T12:00:00Z",
      "'*/5 * * * *', 2025-03-01T12:34:59Z, 2025-03-01T12:30:00Z",
      "'30 2 * * *', 2025-03-01T01:00:00Z, 2025-02-28T02:30:00Z",
      "'0 0 1 * *', 2025-03-15T00:00:00Z, 2025-03-01T00:00:00Z",
      "'0 0 * * 0', 2025-03-05T10:00:00Z, 2025-03-02T00:00:00Z",
      "'0 0 * * 7', 2025-03-05T10:00:00Z, 2025-03-02T00:00:00Z",
      "'0 0 13 * 5', 2025-03-20T00:00:00Z, 2025-03-14T00:00:00Z",
      "'15,45 9-17/4 * 1-6 *', 2025-03-01T14:00:00Z, 2025-03-01T13:45:00Z",
      "'0 0 29 2 *', 2025-03-01T00:00:00Z, 2024-02-29T00:00:00Z"})
  void previousFire(String cron, String at, String expected) {
    assertEquals(Instant.parse(expected), Cron.parse(cron).previousFire(Instant.parse(at)));
  }

  @Test
  void badExpressionsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Cron.parse("* * * *"));
    assertThrows(IllegalArgumentException.class, () -> Cron.parse("61 * * * *"));
  }

  @Test
  void memberLeaseHolderIdentityIsParsed() {
    var lease = new LeaseBuilder().withNewSpec().withHolderIdentity("8e9e05c52164694d:cdf818194e3a8c32:Leader")
        .withRenewTime(Instant.parse("2025-01-01T00:00:00Z").atZone(ZoneOffset.UTC)).endSpec().build();
    MemberLease l = MemberLease.parse(lease).orElseThrow();
    assertEquals("8e9e05c52164694d", l.memberId());
    assertEquals("cdf818194e3a8c32", l.clusterId());
    assertEquals(MemberRole.LEADER, l.role());
    for (String bad : new String[] {"x", "1:2", "1:2:Boss", "zz:1:Member", "1:2:Member:4"}) {
      lease.getSpec().setHolderIdentity(bad);
      assertTrue(MemberLease.parse(lease).isEmpty(), bad);
    }
    lease.getSpec().setHolderIdentity("48213");
    assertEquals(48213L, MemberLease.SnapshotLease.parse(lease).orElseThrow().revision());
  }
}
