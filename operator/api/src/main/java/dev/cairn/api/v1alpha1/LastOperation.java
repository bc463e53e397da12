package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The last operation the operator performed on the cluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LastOperation {

  @JsonPropertyDescription(
      "Create, Reconcile, Scale, Update, Hibernate, RecoverQuorum, Restore or Delete.")
  private OperationType type;

  @JsonPropertyDescription("Processing, Succeeded or Error.")
  private OperationState state;

  @JsonPropertyDescription("What the operation is doing or did.")
  private String description;

  @JsonPropertyDescription("When this record last changed (RFC 3339).")
  private String lastUpdateTime;

  public OperationType getType() {
    return type;
  }

  public void setType(OperationType type) {
    this.type = type;
  }

  public OperationState getState() {
    return state;
  }

  public void setState(OperationState state) {
    this.state = state;
  }

  public String getDescription() {
    return description;
  }

  public void setDescription(String description) {
    this.description = description;
  }

  public String getLastUpdateTime() {
    return lastUpdateTime;
  }

  public void setLastUpdateTime(String lastUpdateTime) {
    this.lastUpdateTime = lastUpdateTime;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    LastOperation that = (LastOperation) o;
    return Objects.equals(type, that.type) && Objects.equals(state, that.state) && Objects.equals(description, that.description) && Objects.equals(lastUpdateTime, that.lastUpdateTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, state, description, lastUpdateTime);
  }

  @Override
  public String toString() {
    return "LastOperation{type=" + type + ", state=" + state + ", description=" + description + ", lastUpdateTime=" + lastUpdateTime + "}";
  }
}
