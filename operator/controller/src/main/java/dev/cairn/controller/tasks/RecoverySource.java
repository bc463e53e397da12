package dev.cairn.controller.tasks;

import dev.cairn.controller.etcd.AgentClient.MemberReport;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where a quorum-loss recovery takes its data from: the surviving member with the highest revision,
 * restarted alone with force-new-cluster, when it is at least as new as the newest backup; otherwise
 * member 0 restored from the store. Only members whose report shows etcd data of this cluster count.
 *
 * <p>A member that could not be asked (its pod or volume exists, its agent did not answer), or whose
 * agent answered that it cannot read the data it found (a problem, or a data directory without a
 * revision), is unknown, not empty: it may hold the newest writes, and choosing without it would delete them with
 * its volume. While any member is unknown the choice is {@link Action#WAIT}, unless the task allows
 * unknown members, which then count as holding no data. Pure, so the choice is tested over tables.
 */
public final class RecoverySource {

  /**
   * What one member's agent said, or why it said nothing.
   *
   * @param report the agent's answer, or null
   * @param error why there is no answer (the agent's error, or that neither pod nor volume exists)
   * @param mayHoldData without an answer: whether the member's pod or volume exists, so that data may be
   *     there that nobody could ask about
   */
  public record Survivor(int ordinal, String member, MemberReport report, String error, boolean mayHoldData) {

    /** An answer. */
    public static Survivor answered(int ordinal, String member, MemberReport report) {
      return new Survivor(ordinal, member, report, null, true);
    }

    /** No answer from a member whose pod or volume exists. */
    public static Survivor unknown(int ordinal, String member, String error) {
      return new Survivor(ordinal, member, null, error, true);
    }

    /** Neither pod nor volume: nothing to ask, nothing held. */
    public static Survivor absent(int ordinal, String member, String why) {
      return new Survivor(ordinal, member, null, why, false);
    }

    /** Usable: the agent answered, the data directory holds data with a revision, of the expected cluster. */
    boolean usable(String clusterId) {
      return report != null && report.dataDirPresent() && report.revision() > 0
          && (clusterId == null || report.clusterId() == null || clusterId.equalsIgnoreCase(report.clusterId()));
    }

    /** No answer from a member that may hold data, or an answer that cannot tell what data it holds. */
    boolean unknown() {
      return report == null ? mayHoldData : report.dataUnknown();
    }

    /** Why this member is unknown: the error, or the agent's problem with the data it found. */
    String why() {
      if (report == null) {
        return error;
      }
      return report.problem() != null ? report.problem() : "its data directory exists but shows no revision";
    }

    String describe(String clusterId) {
      if (report == null) {
        return member + (mayHoldData ? ": unknown, no answer (" + error + ")" : ": " + error + " (holds nothing)");
      }
      if (report.dataUnknown()) {
        return member + ": unknown, the agent answered but cannot tell what data the member holds (" + why() + ")";
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
    /** Some member could not be asked: no choice yet. */
    WAIT("Wait"),
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

  /**
   * The choice. {@code allowUnknown}: members that could not be asked count as holding no data;
   * otherwise any such member makes the choice {@link Action#WAIT}.
   */
  public static Decision choose(List<Survivor> survivors, OptionalLong storeRevision, String clusterId,
      boolean allowUnknown) {
    String members = describe(survivors, clusterId);
    List<Survivor> unknown = survivors.stream().filter(Survivor::unknown).toList();
    if (!unknown.isEmpty() && !allowUnknown) {
      List<String> names = unknown.stream().map(s -> s.member() + " (" + s.why() + ")").toList();
      return new Decision(Action.WAIT, -1, -1, storeRevision, "Cannot choose a source yet: " + String.join(", ", names)
          + (unknown.size() == 1 ? " exists but could not be asked" : " exist but could not be asked")
          + " (or could not tell) what data " + (unknown.size() == 1 ? "it holds" : "they hold") + ", and an unasked member may hold"
          + " the newest writes. Members: " + members + ".");
    }
    String counted = unknown.isEmpty() ? "" : " Counted as holding no data (spec.recoverQuorum.allowUnknownMembers): "
        + String.join(", ", unknown.stream().map(Survivor::member).toList()) + ".";
    Survivor best = null;
    for (Survivor s : survivors) {
      if (s.usable(clusterId) && (best == null || s.report().revision() > best.report().revision()
          || s.report().revision() == best.report().revision() && s.ordinal() < best.ordinal())) {
        best = s;
      }
    }
    String store = storeRevision.isEmpty() ? "no backups configured"
        : storeRevision.getAsLong() > 0 ? "newest backup at revision " + storeRevision.getAsLong()
        : "no snapshot in the store";
    if (best != null && (storeRevision.isEmpty() || best.report().revision() >= storeRevision.getAsLong())) {
      return new Decision(Action.FORCE_NEW_CLUSTER, best.ordinal(), best.report().revision(), storeRevision,
          "Keeping " + best.member() + " (revision " + best.report().revision() + ", " + store + "): it restarts alone"
              + " with force-new-cluster and the others rejoin empty. Members: " + members + "." + counted);
    }
    if (storeRevision.isPresent() && storeRevision.getAsLong() > 0) {
      return new Decision(Action.RESTORE_FROM_STORE, 0, best == null ? -1 : best.report().revision(), storeRevision,
          "Restoring member 0 from the store (" + store + (best == null ? "; no member has usable data"
              : ", newer than the best member " + best.member() + " at revision " + best.report().revision())
              + "). Members: " + members + "." + counted);
    }
    return new Decision(Action.NONE, -1, -1, storeRevision,
        "Nothing to recover from: no member reported usable data and " + (storeRevision.isPresent()
            ? "the store holds no snapshot" : "backups are not configured") + ". Members: " + members + "." + counted);
  }

  static String describe(List<Survivor> survivors, String clusterId) {
    List<String> parts = new ArrayList<>();
    for (Survivor s : survivors) {
      parts.add(s.describe(clusterId));
    }
    return String.join("; ", parts);
  }
}
