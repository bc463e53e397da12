package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** Progress of an EtcdOpsTask, written by the operator; the task resumes from it after a restart. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdOpsTaskStatus {

  @JsonPropertyDescription("Pending, Admitted, Running, Succeeded, Failed or Rejected.")
  private TaskPhase phase;

  @Size(max = 32)
  @JsonPropertyDescription("The steps of the task's state machine, in order.")
  private List<TaskStep> steps;

  @JsonPropertyDescription("Conditions, such as Completed.")
  private List<Condition> conditions;

  @JsonPropertyDescription("When the task started running (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the task finished (RFC 3339).")
  private String finishedAt;

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  public TaskPhase getPhase() {
    return phase;
  }

  public void setPhase(TaskPhase phase) {
    this.phase = phase;
  }

  public List<TaskStep> getSteps() {
    return steps;
  }

  public void setSteps(List<TaskStep> steps) {
    this.steps = steps;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
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

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdOpsTaskStatus that = (EtcdOpsTaskStatus) o;
    return Objects.equals(phase, that.phase) && Objects.equals(steps, that.steps) && Objects.equals(conditions, that.conditions) && Objects.equals(startedAt, that.startedAt) && Objects.equals(finishedAt, that.finishedAt) && Objects.equals(observedGeneration, that.observedGeneration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, steps, conditions, startedAt, finishedAt, observedGeneration);
  }

  @Override
  public String toString() {
    return "EtcdOpsTaskStatus{phase=" + phase + ", steps=" + steps + ", conditions=" + conditions + ", startedAt=" + startedAt + ", finishedAt=" + finishedAt + ", observedGeneration=" + observedGeneration + "}";
  }
}
