package dev.cairn.agent.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.init.InitDecision.Action;
import dev.cairn.agent.init.InitDecision.Directive;
import dev.cairn.agent.init.InitDecision.Facts;
import dev.cairn.agent.init.InitDecision.Peers;
import dev.cairn.agent.init.InitDecision.Self;
import dev.cairn.agent.restore.RestoreTarget;
import dev.cairn.datadir.validation.ValidationOutcome;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The initialisation decision table of docs/agent.md, row by row. */
class InitDecisionTest {

  private static ValidationOutcome outcome(String kind) {
    return switch (kind) {
      case "Valid" -> new ValidationOutcome.Valid();
      case "Empty" -> new ValidationOutcome.Empty();
      case "Corrupt" -> new ValidationOutcome.Corrupt(List.of("db: bad page"));
      case "Stale" -> new ValidationOutcome.Stale(10, 20);
      default -> new ValidationOutcome.WrongVolume(List.of("member: expected a, the volume belongs to b"));
    };
  }

  private static Directive directive(String d) {
    return switch (d) {
      case "restore" -> new Directive.Restore(new RestoreTarget.Revision(42), true);
      case "force" -> new Directive.ForceNewCluster();
      default -> new Directive.None();
    };
  }

  /** Columns: outcome, peers, self, first member, store reachable, store has a full, data rev, cluster rev, directive -> action (+ detail). */
  @ParameterizedTest(name = "{0} peers={1} self={2} first={3} store={4}/{5} -> {9} {10}")
  @CsvSource({
    // the volume belongs to someone else: nothing else matters
    "WrongVolume, HEALTHY,    STARTED, true,  true,  true,  -1, 5,  none,    Fail,   ",
    // valid data starts, unless the healthy cluster no longer lists it
    "Valid,       NONE,       ABSENT,  true,  true,  true,  9,  -1, none,    Start,  existing",
    "Valid,       HEALTHY,    STARTED, false, true,  true,  9,  12, none,    Start,  existing",
    "Valid,       UNREACHABLE,ABSENT,  false, false, false, 9,  -1, none,    Start,  existing",
    "Valid,       NO_LEADER,  ABSENT,  false, true,  true,  9,  -1, none,    Start,  existing",
    "Valid,       HEALTHY,    ABSENT,  false, true,  true,  9,  12, none,    Resync, wipe",
    "Valid,       HEALTHY,    ABSENT,  false, true,  true,  15, 12, none,    Fail,   ",
    // empty
    "Empty,       HEALTHY,    ADDED,   false, true,  true,  -1, 12, none,    Start,  existing",
    "Empty,       HEALTHY,    STARTED, false, true,  true,  -1, 12, none,    Resync, remove",
    "Empty,       HEALTHY,    ABSENT,  false, true,  false, -1, 12, none,    Resync, join",
    "Empty,       NONE,       ABSENT,  true,  true,  false, -1, -1, none,    Start,  new",
    "Empty,       NONE,       ABSENT,  true,  true,  true,  -1, -1, none,    Restore,",
    "Empty,       NONE,       ABSENT,  true,  false, false, -1, -1, none,    Wait,   ",
    "Empty,       UNREACHABLE,ABSENT,  true,  true,  true,  -1, -1, none,    Restore,",
    "Empty,       UNREACHABLE,ABSENT,  false, true,  true,  -1, -1, none,    Wait,   ",
    "Empty,       UNREACHABLE,ABSENT,  false, true,  false, -1, -1, none,    Start,  new",
    "Empty,       UNREACHABLE,ABSENT,  true,  true,  false, -1, -1, none,    Start,  new",
    "Empty,       NO_LEADER,  ABSENT,  true,  true,  true,  -1, -1, none,    Wait,   ",
    "Empty,       NO_LEADER,  ABSENT,  false, true,  false, -1, -1, none,    Start,  new",
    "Empty,       CONFLICT,   ABSENT,  true,  true,  true,  -1, -1, none,    Wait,   ",
    // corrupt and stale
    "Corrupt,     HEALTHY,    STARTED, false, true,  true,  -1, 12, none,    Resync, remove+wipe",
    "Corrupt,     HEALTHY,    ADDED,   false, true,  true,  -1, 12, none,    Resync, remove+wipe",
    "Corrupt,     HEALTHY,    ABSENT,  false, true,  true,  -1, 12, none,    Resync, wipe",
    "Stale,       HEALTHY,    STARTED, false, true,  true,  -1, 12, none,    Resync, remove+wipe",
    "Corrupt,     NONE,       ABSENT,  true,  true,  true,  -1, -1, none,    Restore,",
    "Stale,       NONE,       ABSENT,  true,  true,  true,  -1, -1, none,    Restore,",
    "Corrupt,     NONE,       ABSENT,  true,  true,  false, -1, -1, none,    Fail,   ",
    "Corrupt,     UNREACHABLE,ABSENT,  true,  true,  true,  -1, -1, none,    Restore,",
    "Corrupt,     UNREACHABLE,ABSENT,  true,  true,  false, -1, -1, none,    Wait,   ",
    "Corrupt,     UNREACHABLE,ABSENT,  false, true,  true,  -1, -1, none,    Wait,   ",
    "Corrupt,     NO_LEADER,  ABSENT,  true,  true,  true,  -1, -1, none,    Wait,   ",
    "Stale,       NONE,       ABSENT,  true,  false, false, -1, -1, none,    Wait,   ",
    // directives
    "Valid,       HEALTHY,    STARTED, true,  true,  true,  9,  12, restore, Restore,",
    "Valid,       UNREACHABLE,ABSENT,  true,  true,  true,  9,  -1, force,   Start,  force",
    "Corrupt,     UNREACHABLE,ABSENT,  true,  true,  true,  -1, -1, force,   Fail,   ",
  })
  void table(String kind, Peers peers, Self self, boolean first, boolean reachable, boolean hasFull, long dataRev,
      long clusterRev, String dir, String expected, String detail) {
    Action a = InitDecision.decide(new Facts(outcome(kind), peers, self, first, reachable, hasFull, dataRev, clusterRev,
        directive(dir)));
    assertEquals(expected, a.getClass().getSimpleName(), a.reason());
    assertTrue(a.reason() != null && a.reason().length() > 20, "every decision says why: " + a.reason());
    String d = detail == null ? "" : detail;
    if (a instanceof Action.Start s) {
      assertEquals(d.equals("new"), s.newCluster(), a.reason());
      assertEquals(d.equals("force"), s.forceNewCluster(), a.reason());
    } else if (a instanceof Action.Resync r) {
      assertEquals(d.contains("remove"), r.removeFirst(), a.reason());
      assertEquals(d.contains("wipe"), r.wipe(), a.reason());
    } else if (a instanceof Action.Restore r && dir.equals("restore")) {
      assertEquals(new RestoreTarget.Revision(42), r.target());
      assertTrue(r.allowTokenMismatch());
    }
  }

  /** Without spec.backup the agent has no store: storeReachable true, no full, storeConfigured false. */
  @ParameterizedTest(name = "no store: {0} peers={1} self={2} first={3} -> {4}")
  @CsvSource({
    "Empty,   NONE,        ABSENT,  true,  Start",
    "Empty,   UNREACHABLE, ABSENT,  false, Start",
    "Valid,   NONE,        ABSENT,  true,  Start",
    "Corrupt, NONE,        ABSENT,  true,  Fail",
    "Stale,   NONE,        ABSENT,  true,  Fail",
    "Corrupt, HEALTHY,     STARTED, false, Resync",
    "Empty,   HEALTHY,     ABSENT,  false, Resync",
  })
  void withoutStore(String kind, Peers peers, Self self, boolean first, String expected) {
    Action a = InitDecision.decide(new Facts(outcome(kind), peers, self, first, true, false, -1, 12,
        new Directive.None(), false));
    assertEquals(expected, a.getClass().getSimpleName(), a.reason());
    if (a instanceof Action.Fail) {
      assertTrue(a.reason().contains("no backup is configured (spec.backup)"), a.reason());
    }
  }

  @Test
  void restoreDirectiveWithoutStoreFails() {
    Action a = InitDecision.decide(new Facts(outcome("Valid"), Peers.NONE, Self.ABSENT, true, true, false, 9, -1,
        directive("restore"), false));
    assertEquals("Fail", a.getClass().getSimpleName(), a.reason());
    assertTrue(a.reason().contains("no backup is configured"), a.reason());
  }
}
