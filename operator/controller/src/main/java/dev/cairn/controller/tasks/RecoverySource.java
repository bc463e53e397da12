package dev.cairn.controller.tasks;

import dev.cairn.controller.etcd.AgentClient.MemberReport;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where a quorum-loss recovery takes its data from: the surviving member with the highest revision,
 * restarted alone with force-new-cluster, when it is at least as new as the newest backup; otherwise
 * member 0 restored from the store. Only members whose report shows etcd data of this cluster count.
 * Pure, so the choice is tested over tables of revisions.
 */
public final class RecoverySource {

  /** What one member's agent said, or why it said nothing. */
  public record Survivor(int ordinal, String member, MemberReport report, String error) {
    /** Usable: the agent answered, the data directory holds data with a revision, of the expected cluster. */
    boolean usable(String clusterId) {
      return report != null && report.dataDirPresent() && report.revision() > 0
          && (clusterId == null || report.clusterId() == null || clusterId.equalsIgnoreCase(report.clusterId()));
    }

    String describe(String clusterId) {
      if (report == null) {
        return member + ": no answer (" + error + ")";
      }
      String s = member + ": revision " + report.revision() + ", etcd " + (report.etcdRunning() ? "running" : "stopped")
          + ", data dir " + (report.dataDirPresent() ? "present" : "absent")
          + (report.clusterId() != null ? ", cluster " + report.clusterId() : "");
      if (report.dataDirPresent() && report.revision() > 0 && !usable(clusterId)) {
        s += " (another cluster's data: not used)";
      }
      return s;
    }
  }

  public enum Action {
    FORCE_NEW_CLUSTER("ForceNewCluster"),
    RESTORE_FROM_STORE("RestoreFromStore"),
    NONE("None");

    private final String value;

    Action(String value) {
      this.value = value;
    }

    /** As written in the bootstrap directive. */
    public String value() {
      return value;
    }
  }

  /**
   * The choice and what it was based on.
   *
   * @param ordinal the member that starts first (force-new-cluster: the best survivor; restore: 0)
   * @param memberRevision the best survivor's revision, -1 when none was usable
   * @param storeRevision the newest end revision in the store, empty without backups or snapshots
   */
  public record Decision(Action action, int ordinal, long memberRevision, OptionalLong storeRevision, String reason) {}

  private RecoverySource() {}

  public static Decision choose(List<Survivor> survivors, OptionalLong storeRevision, String clusterId) {
    Survivor best = null;
    for (Survivor s : survivors) {
      if (s.usable(clusterId) && (best == null || s.report().revision() > best.report().revision()
          || s.report().revision() == best.report().revision() && s.ordinal() < best.ordinal())) {
        best = s;
      }
    }
    String members = describe(survivors, clusterId);
    String store = storeRevision.isEmpty() ? "no backups configured"
        : storeRevision.getAsLong() > 0 ? "newest backup at revision " + storeRevision.getAsLong()
        : "no snapshot in the store";
    if (best != null && (storeRevision.isEmpty() || best.report().revision() >= storeRevision.getAsLong())) {
      return new Decision(Action.FORCE_NEW_CLUSTER, best.ordinal(), best.report().revision(), storeRevision,
          "Keeping " + best.member() + " (revision " + best.report().revision() + ", " + store + "): it restarts alone"
              + " with force-new-cluster and the others rejoin empty. Members: " + members + ".");
    }
    if (storeRevision.isPresent() && storeRevision.getAsLong() > 0) {
      return new Decision(Action.RESTORE_FROM_STORE, 0, best == null ? -1 : best.report().revision(), storeRevision,
          "Restoring member 0 from the store (" + store + (best == null ? "; no member has usable data"
              : ", newer than the best member " + best.member() + " at revision " + best.report().revision())
              + "). Members: " + members + ".");
    }
    return new Decision(Action.NONE, -1, -1, storeRevision,
        "Nothing to recover from: no member reported usable data and " + (storeRevision.isPresent()
            ? "the store holds no snapshot" : "backups are not configured") + ". Members: " + members + ".");
  }

  static String describe(List<Survivor> survivors, String clusterId) {
    List<String> parts = new ArrayList<>();
    for (Survivor s : survivors) {
      parts.add(s.describe(clusterId));
    }
    return String.join("; ", parts);
  }
}
