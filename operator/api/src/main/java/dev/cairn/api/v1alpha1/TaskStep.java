package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One step of a task's state machine. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TaskStep {

  @Required
  @JsonPropertyDescription("Step name, CamelCase, such as SuspendReconcile or SelectSource.")
  private String name;

  @JsonPropertyDescription("Pending, Running, Succeeded, Failed or Skipped.")
  private StepState state;

  @JsonPropertyDescription("What the step did or why it failed.")
  private String message;

  @JsonPropertyDescription("When the step started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the step finished (RFC 3339).")
  private String finishedAt;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public StepState getState() {
    return state;
  }

  public void setState(StepState state) {
    this.state = state;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public void setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    TaskStep that = (TaskStep) o;
    return Objects.equals(name, that.name) && Objects.equals(state, that.state) && Objects.equals(message, that.message) && Objects.equals(startedAt, that.startedAt) && Objects.equals(finishedAt, that.finishedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, state, message, startedAt, finishedAt);
  }

  @Override
  public String toString() {
    return "TaskStep{name=" + name + ", state=" + state + ", message=" + message + ", startedAt=" + startedAt + ", finishedAt=" + finishedAt + "}";
  }
}
