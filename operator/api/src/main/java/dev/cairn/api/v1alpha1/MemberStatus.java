package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One etcd member as last reported by its agent through the member Lease. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MemberStatus {

  @Required
  @JsonPropertyDescription("Member name: the pod name, <etcd>-<ordinal>.")
  private String name;

  @JsonPropertyDescription("etcd member ID in hex, as etcdctl member list prints it.")
  private String id;

  @JsonPropertyDescription("Leader, Member (voting follower) or Learner.")
  private MemberRole role;

  @JsonPropertyDescription("Ready, NotReady, or Unknown when the member's Lease expired.")
  private MemberState status;

  @JsonPropertyDescription("Why the member is not Ready, CamelCase, such as LeaseExpired or PodNotReady.")
  private String reason;

  @JsonPropertyDescription("When status last changed (RFC 3339).")
  private String lastTransitionTime;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getId() {
    return id;
  }

  public void setId(String id) {
    this.id = id;
  }

  public MemberRole getRole() {
    return role;
  }

  public void setRole(MemberRole role) {
    this.role = role;
  }

  public MemberState getStatus() {
    return status;
  }

  public void setStatus(MemberState status) {
    this.status = status;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    MemberStatus that = (MemberStatus) o;
    return Objects.equals(name, that.name) && Objects.equals(id, that.id) && Objects.equals(role, that.role) && Objects.equals(status, that.status) && Objects.equals(reason, that.reason) && Objects.equals(lastTransitionTime, that.lastTransitionTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, id, role, status, reason, lastTransitionTime);
  }

  @Override
  public String toString() {
    return "MemberStatus{name=" + name + ", id=" + id + ", role=" + role + ", status=" + status + ", reason=" + reason + ", lastTransitionTime=" + lastTransitionTime + "}";
  }
}
