package dev.cairn.controller.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.controller.etcd.AgentClient.MemberReport;
import dev.cairn.controller.tasks.RecoverySource.Action;
import dev.cairn.controller.tasks.RecoverySource.Decision;
import dev.cairn.controller.tasks.RecoverySource.Survivor;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The choice of recovery source, over member revisions against the newest backup. */
class RecoverySourceTest {

  private static final String CLUSTER = "c1a5c1a5";

  /**
   * One row: each member's report ("-" no answer though its pod or volume exists, "0" neither pod nor
   * volume, "empty" no data, "r120" revision 120 stopped, "R120" revision 120 running, "x120" another
   * cluster's data, "bad" a data directory the agent cannot read (its problem), "norev" a data directory
   * without a revision), the store's newest end revision (null: no backups), whether unknown members are
   * allowed, then the expected action, first member and compared revisions.
   */
  private record Row(String members, Long store, boolean allowUnknown, Action action, int ordinal,
      long memberRevision) {}

  private static Row row(String members, Long store, Action action, int ordinal, long memberRevision) {
    return new Row(members, store, false, action, ordinal, memberRevision);
  }

  private static Row allowing(String members, Long store, Action action, int ordinal, long memberRevision) {
    return new Row(members, store, true, action, ordinal, memberRevision);
  }

  private static final List<Row> TABLE = List.of(
      // No backups: the best member, whatever its revision.
      row("R120 r90 0", null, Action.FORCE_NEW_CLUSTER, 0, 120),
      row("0 r90 R130", null, Action.FORCE_NEW_CLUSTER, 2, 130),
      row("0 0 0", null, Action.NONE, -1, -1),
      row("empty empty 0", null, Action.NONE, -1, -1),
      // A member at least as new as the newest backup is kept (equal counts).
      row("R120 r90 empty", 100L, Action.FORCE_NEW_CLUSTER, 0, 120),
      row("r100 0 empty", 100L, Action.FORCE_NEW_CLUSTER, 0, 100),
      row("0 R150 r149", 150L, Action.FORCE_NEW_CLUSTER, 1, 150),
      // Ties go to the lowest ordinal.
      row("empty r200 r200", 100L, Action.FORCE_NEW_CLUSTER, 1, 200),
      // The store is newer than every member: member 0 restored from it.
      row("r90 r80 0", 100L, Action.RESTORE_FROM_STORE, 0, 90),
      row("0 0 0", 100L, Action.RESTORE_FROM_STORE, 0, -1),
      row("empty 0 empty", 5L, Action.RESTORE_FROM_STORE, 0, -1),
      // Another cluster's data never counts, however new.
      row("x900 r90 empty", 100L, Action.RESTORE_FROM_STORE, 0, 90),
      row("x900 r90 0", null, Action.FORCE_NEW_CLUSTER, 1, 90),
      // An empty store is no backup to restore from.
      row("0 0 0", 0L, Action.NONE, -1, -1),
      row("r3 0 empty", 0L, Action.FORCE_NEW_CLUSTER, 0, 3),
      // A member that could not be asked may hold the newest writes: no choice while one exists,
      // whatever the others and the store hold (the rehearsal's case: a store restore would lose them).
      row("r90 - empty", 100L, Action.WAIT, -1, -1),
      row("R500 - -", 100L, Action.WAIT, -1, -1),
      row("- - -", null, Action.WAIT, -1, -1),
      row("- 0 0", 0L, Action.WAIT, -1, -1),
      row("x900 empty -", 100L, Action.WAIT, -1, -1),
      // An agent that answers but cannot read the data it found does not know what the member holds:
      // unknown as well, never empty (counting it empty would let its volume be deleted).
      row("r90 bad empty", 100L, Action.WAIT, -1, -1),
      row("R500 bad 0", null, Action.WAIT, -1, -1),
      row("r90 norev empty", 100L, Action.WAIT, -1, -1),
      row("bad bad bad", 0L, Action.WAIT, -1, -1),
      // Allowed: unknown members count as holding no data.
      allowing("r90 - empty", 100L, Action.RESTORE_FROM_STORE, 0, 90),
      allowing("R500 - -", 100L, Action.FORCE_NEW_CLUSTER, 0, 500),
      allowing("- r120 -", 100L, Action.FORCE_NEW_CLUSTER, 1, 120),
      allowing("- - -", 100L, Action.RESTORE_FROM_STORE, 0, -1),
      allowing("- - -", null, Action.NONE, -1, -1),
      allowing("R500 bad empty", 100L, Action.FORCE_NEW_CLUSTER, 0, 500),
      allowing("bad norev -", 100L, Action.RESTORE_FROM_STORE, 0, -1),
      // Allowing changes nothing when every member answered.
      allowing("R120 r90 0", null, Action.FORCE_NEW_CLUSTER, 0, 120));

  @Test
  void choosesTheFreshestDataAndNeverGuessesAboutMembersItCouldNotAsk() {
    for (Row row : TABLE) {
      List<Survivor> survivors = new ArrayList<>();
      String[] cells = row.members().split(" ");
      for (int i = 0; i < cells.length; i++) {
        survivors.add(survivor(i, cells[i]));
      }
      OptionalLong store = row.store() == null ? OptionalLong.empty() : OptionalLong.of(row.store());
      Decision d = RecoverySource.choose(survivors, store, CLUSTER, row.allowUnknown());
      String what = row + " -> " + d;
      assertEquals(row.action(), d.action(), what);
      assertEquals(row.ordinal(), d.ordinal(), what);
      assertEquals(row.memberRevision(), d.memberRevision(), what);
      assertEquals(store, d.storeRevision(), what);
      // The reason names every member's answer, and the revisions compared once there is a choice.
      for (int i = 0; i < cells.length; i++) {
        assertTrue(d.reason().contains("etcd-" + i + ":"), d.reason());
      }
      if (row.store() != null && row.store() > 0 && d.action() != Action.WAIT) {
        assertTrue(d.reason().contains("revision " + row.store()), d.reason());
      }
      for (int i = 0; i < cells.length; i++) {
        if (cells[i].equals("-") || cells[i].equals("bad") || cells[i].equals("norev")) {
          // Each unknown member is named with its error: as the reason to wait, or as counted empty.
          String error = cells[i].equals("-") ? "connection refused" : cells[i].equals("bad") ? "the db /var/lib"
              : "its data directory exists";
          String named = row.allowUnknown() ? "etcd-" + i : "etcd-" + i + " (" + error;
          assertTrue(d.reason().contains(named), d.reason());
          assertTrue(d.reason().contains(row.allowUnknown() ? "allowUnknownMembers" : "could not be asked"),
              d.reason());
        }
      }
    }
  }

  private static Survivor survivor(int i, String cell) {
    String member = "etcd-" + i;
    if (cell.equals("-")) {
      return Survivor.unknown(i, member, "connection refused");
    }
    if (cell.equals("0")) {
      return Survivor.absent(i, member, "no pod and no volume");
    }
    if (cell.equals("empty")) {
      return Survivor.answered(i, member, new MemberReport(null, null, -1, false, false));
    }
    if (cell.equals("bad")) {
      return Survivor.answered(i, member, new MemberReport(null, null, -1, false, true,
          "the db /var/lib/etcd/member/snap/db is unreadable: bad magic"));
    }
    if (cell.equals("norev")) {
      return Survivor.answered(i, member, new MemberReport(null, null, -1, false, true));
    }
    long rev = Long.parseLong(cell.substring(1));
    String cluster = cell.charAt(0) == 'x' ? "0ther" : CLUSTER;
    return Survivor.answered(i, member, new MemberReport("a" + i, cluster, rev, cell.charAt(0) == 'R', true));
  }
}
