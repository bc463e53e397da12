package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** Settings of a RecoverQuorum task. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecoverQuorumConfig {

  @Default("false")
  @JsonPropertyDescription(
      "true: proceed even when a majority of members still looks alive (stale Leases), for example when the"
          + " operator cannot reach them. Data written to a minority since quorum was lost may be discarded.")
  private Boolean force = false;

  public Boolean getForce() {
    return force;
  }

  public void setForce(Boolean force) {
    this.force = force;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    RecoverQuorumConfig that = (RecoverQuorumConfig) o;
    return Objects.equals(force, that.force);
  }

  @Override
  public int hashCode() {
    return Objects.hash(force);
  }

  @Override
  public String toString() {
    return "RecoverQuorumConfig{force=" + force + "}";
  }
}
