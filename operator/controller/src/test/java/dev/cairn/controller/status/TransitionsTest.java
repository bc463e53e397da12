package dev.cairn.controller.status;

import static dev.cairn.controller.status.Observations.CFG;
import static dev.cairn.controller.status.Observations.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.controller.model.SpecValidator.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransitionsTest {

  private static final Etcd E = new Etcd("ns", "kv");

  private static EtcdStatus status(EtcdStatus prev, Observations o, List<Problem> problems) {
    return StatusCalculator.compute(E, prev, CFG, o.build(), NOW,
        new StatusCalculator.Facts(1L, problems, null, List.of()));
  }

  private static List<String> reasons(EtcdStatus a, EtcdStatus b) {
    return Transitions.between(a, b).stream().map(e -> e.type() + " " + e.reason()).toList();
  }

  @Test
  void noChangeNoEvent() {
    EtcdStatus s = status(null, Observations.healthy(E, 3), List.of());
    assertEquals(List.of(), reasons(s, status(s, Observations.healthy(E, 3), List.of())));
  }

  @Test
  void regressionsWarnRecoveriesInform() {
    EtcdStatus ok = status(null, Observations.healthy(E, 3), List.of());
    EtcdStatus down = status(ok, Observations.healthy(E, 3).pod(1, false).pod(2, false), List.of());
    assertEquals(List.of("Warning QuorumLost", "Warning MembersNotReady", "Warning MemberNotReady",
        "Warning MemberNotReady"), reasons(ok, down));
    EtcdStatus back = status(down, Observations.healthy(E, 3), List.of());
    assertEquals(List.of("Normal Quorate", "Normal AllMembersReady", "Normal MemberReady", "Normal MemberReady"),
        reasons(down, back));
  }

  @Test
  void aFormingClusterIsNotNewsButABadSpecIs() {
    EtcdStatus starting = status(null, new Observations(E, 3), List.of());
    assertEquals(List.of(), reasons(null, starting).stream().filter(r -> r.startsWith("Warning")).toList());
    EtcdStatus bad = status(starting, new Observations(E, 3), List.of(new Problem("etcd.version", "too old")));
    assertEquals(List.of("Warning SpecInvalid"), reasons(starting, bad));
    EtcdStatus other = status(bad, new Observations(E, 3), List.of(new Problem("storage.capacity", "too small")));
    assertEquals(List.of("Warning SpecInvalid"), reasons(bad, other), "a different problem is news again");
    assertEquals(List.of("Normal SpecValid"), reasons(other, status(other, new Observations(E, 3), List.of())));
  }
}
