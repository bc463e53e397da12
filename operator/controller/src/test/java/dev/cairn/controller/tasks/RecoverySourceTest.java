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
   * One row: each member's report ("-" no answer, "empty" no data, "r120" revision 120 stopped,
   * "R120" revision 120 running, "x120" another cluster's data), the store's newest end revision
   * (null: no backups), then the expected action, first member and compared revisions.
   */
  private record Row(String members, Long store, Action action, int ordinal, long memberRevision) {}

  private static final List<Row> TABLE = List.of(
      // No backups: the best member, whatever its revision.
      new Row("R120 r90 -", null, Action.FORCE_NEW_CLUSTER, 0, 120),
      new Row("- r90 R130", null, Action.FORCE_NEW_CLUSTER, 2, 130),
      new Row("- - -", null, Action.NONE, -1, -1),
      new Row("empty empty -", null, Action.NONE, -1, -1),
      // A member at least as new as the newest backup is kept (equal counts).
      new Row("R120 r90 -", 100L, Action.FORCE_NEW_CLUSTER, 0, 120),
      new Row("r100 - -", 100L, Action.FORCE_NEW_CLUSTER, 0, 100),
      new Row("- R150 r149", 150L, Action.FORCE_NEW_CLUSTER, 1, 150),
      // Ties go to the lowest ordinal.
      new Row("- r200 r200", 100L, Action.FORCE_NEW_CLUSTER, 1, 200),
      // The store is newer than every member: member 0 restored from it.
      new Row("r90 r80 -", 100L, Action.RESTORE_FROM_STORE, 0, 90),
      new Row("- - -", 100L, Action.RESTORE_FROM_STORE, 0, -1),
      new Row("empty - empty", 5L, Action.RESTORE_FROM_STORE, 0, -1),
      // Another cluster's data never counts, however new.
      new Row("x900 r90 -", 100L, Action.RESTORE_FROM_STORE, 0, 90),
      new Row("x900 r90 -", null, Action.FORCE_NEW_CLUSTER, 1, 90),
      // An empty store is no backup to restore from.
      new Row("- - -", 0L, Action.NONE, -1, -1),
      new Row("r3 - -", 0L, Action.FORCE_NEW_CLUSTER, 0, 3));

  @Test
  void choosesTheFreshestData() {
    for (Row row : TABLE) {
      List<Survivor> survivors = new ArrayList<>();
      String[] cells = row.members().split(" ");
      for (int i = 0; i < cells.length; i++) {
        survivors.add(survivor(i, cells[i]));
      }
      OptionalLong store = row.store() == null ? OptionalLong.empty() : OptionalLong.of(row.store());
      Decision d = RecoverySource.choose(survivors, store, CLUSTER);
      String what = row + " -> " + d;
      assertEquals(row.action(), d.action(), what);
      assertEquals(row.ordinal(), d.ordinal(), what);
      assertEquals(row.memberRevision(), d.memberRevision(), what);
      assertEquals(store, d.storeRevision(), what);
      // The reason names every member's answer and the revisions compared.
      for (int i = 0; i < cells.length; i++) {
        assertTrue(d.reason().contains("etcd-" + i + ":"), d.reason());
      }
      if (row.store() != null && row.store() > 0) {
        assertTrue(d.reason().contains("revision " + row.store()), d.reason());
      }
    }
  }

  private static Survivor survivor(int i, String cell) {
    String member = "etcd-" + i;
    if (cell.equals("-")) {
      return new Survivor(i, member, null, "connection refused");
    }
    if (cell.equals("empty")) {
      return new Survivor(i, member, new MemberReport(null, null, -1, false, false), null);
    }
    long rev = Long.parseLong(cell.substring(1));
    String cluster = cell.charAt(0) == 'x' ? "0ther" : CLUSTER;
    return new Survivor(i, member, new MemberReport("a" + i, cluster, rev, cell.charAt(0) == 'R', true), null);
  }
}
