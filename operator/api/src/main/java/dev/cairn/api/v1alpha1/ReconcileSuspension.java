package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * Set in status while an EtcdOpsTask (RecoverQuorum, Restore) owns the cluster: the Etcd reconciler
 * leaves the managed resources alone without the user's spec being edited.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReconcileSuspension {

  @JsonPropertyDescription("Name of the EtcdOpsTask, in the Etcd's namespace, that suspended the spec reconcile.")
  private String taskName;

  @JsonPropertyDescription("When the suspension started (RFC 3339).")
  private String since;

  public String getTaskName() {
    return taskName;
  }

  public void setTaskName(String taskName) {
    this.taskName = taskName;
  }

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    ReconcileSuspension that = (ReconcileSuspension) o;
    return Objects.equals(taskName, that.taskName) && Objects.equals(since, that.since);
  }

  @Override
  public int hashCode() {
    return Objects.hash(taskName, since);
  }

  @Override
  public String toString() {
    return "ReconcileSuspension{taskName=" + taskName + ", since=" + since + "}";
  }
}
