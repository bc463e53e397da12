package dev.cairn.controller.status;

import dev.cairn.api.ConditionTypes;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.api.v1alpha1.MemberState;
import dev.cairn.api.v1alpha1.MemberStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The Kubernetes Events a person should see, derived from two statuses: only changes produce events,
 * so a steady cluster emits none.
 */
public final class Transitions {

  /** One Event to record: type Normal or Warning, a CamelCase reason, a message. */
  public record Event(String type, String reason, String message) {
    public static Event normal(String reason, String message) {
      return new Event("Normal", reason, message);
    }

    public static Event warning(String reason, String message) {
      return new Event("Warning", reason, message);
    }
  }

  private Transitions() {}

  public static List<Event> between(EtcdStatus before, EtcdStatus after) {
    List<Event> out = new ArrayList<>();
    List<Condition> b = before == null ? null : before.getConditions();
    List<Condition> a = after.getConditions();
    condition(out, b, a, ConditionTypes.READY, "True", ConditionTypes.REASON_QUORATE, "QuorumLost", false);
    condition(out, b, a, ConditionTypes.ALL_MEMBERS_READY, "True", "AllMembersReady", "MembersNotReady", false);
    condition(out, b, a, ConditionTypes.BACKUP_READY, "True", "BackupReady", "BackupNotReady", true);
    condition(out, b, a, ConditionTypes.DATA_VOLUMES_READY, "True", "DataVolumesReady", "DataVolumesNotReady", false);
    condition(out, b, a, ConditionTypes.CLUSTER_ID_MISMATCH, "False", "ClusterIDMatches", "ClusterIDMismatch", true);
    condition(out, b, a, ConditionTypes.SPEC_VALID, "True", "SpecValid", "SpecInvalid", true);
    String oldId = before == null ? null : before.getClusterID();
    if (oldId == null && after.getClusterID() != null) {
      out.add(Event.normal("ClusterFormed", "The cluster formed with ID " + after.getClusterID() + "."));
    }
    Map<String, MemberStatus> old = new TreeMap<>();
    if (before != null && before.getMembers() != null) {
      before.getMembers().forEach(m -> old.put(m.getName(), m));
    }
    if (after.getMembers() != null) {
      for (MemberStatus m : after.getMembers()) {
        MemberStatus o = old.get(m.getName());
        MemberState was = o == null ? null : o.getStatus();
        if (was == m.getStatus()) {
          continue;
        }
        if (m.getStatus() == MemberState.READY) {
          out.add(Event.normal("MemberReady", "Member " + m.getName() + " is ready"
              + (m.getRole() == null ? "" : " (" + m.getRole().value() + ")") + "."));
        } else if (was == MemberState.READY) {
          out.add(Event.warning("MemberNotReady",
              "Member " + m.getName() + " is " + m.getStatus().value() + ": " + m.getReason() + "."));
        }
      }
    }
    return out;
  }

  // An event when the condition reaches or leaves its good status. For the health conditions a cluster
  // being created starts "not ready" without that being news; a bad spec, foreign data or a backup
  // problem is news from the start, and again whenever its reason (for SpecValid: message) changes.
  private static void condition(
      List<Event> out, List<Condition> before, List<Condition> after, String type, String good,
      String goodReason, String badReason, boolean warnInitially) {
    Condition a = StatusCalculator.find(after, type);
    if (a == null) {
      return;
    }
    Condition b = StatusCalculator.find(before, type);
    boolean wasGood = b != null && good.equals(b.getStatus());
    boolean isGood = good.equals(a.getStatus());
    if (isGood) {
      if (!wasGood && b != null) {
        out.add(Event.normal(goodReason, a.getMessage()));
      }
      return;
    }
    if ("Unknown".equals(a.getStatus())) {
      return;
    }
    boolean news;
    if (!warnInitially) {
      // Health conditions: only a regression from good is news (a forming cluster starts "not ready").
      news = wasGood;
    } else {
      news = b == null || wasGood || !Objects.equals(b.getStatus(), a.getStatus())
          || !Objects.equals(b.getReason(), a.getReason())
          || (ConditionTypes.SPEC_VALID.equals(type) && !Objects.equals(b.getMessage(), a.getMessage()));
    }
    if (news) {
      out.add(Event.warning(badReason, a.getMessage()));
    }
  }
}
