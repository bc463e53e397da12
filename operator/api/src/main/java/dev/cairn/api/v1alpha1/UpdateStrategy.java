package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** How members are rolled when their pod template changes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateStrategy {

  @Default("QuorumAware")
  @JsonPropertyDescription(
      "QuorumAware: the operator restarts one member at a time, followers first, the leader last, never while a"
          + " member is unhealthy. OnDelete: the operator never restarts members; delete pods yourself.")
  private UpdateStrategyType type = UpdateStrategyType.QUORUM_AWARE;

  public UpdateStrategyType getType() {
    return type;
  }

  public void setType(UpdateStrategyType type) {
    this.type = type;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    UpdateStrategy that = (UpdateStrategy) o;
    return Objects.equals(type, that.type);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type);
  }

  @Override
  public String toString() {
    return "UpdateStrategy{type=" + type + "}";
  }
}
