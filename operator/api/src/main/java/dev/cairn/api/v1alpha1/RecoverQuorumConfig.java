package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** Settings of a RecoverQuorum task. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecoverQuorumConfig {

  @Default("false")
  @JsonPropertyDescription(
      "true: proceed even when a majority of members still looks alive (stale Leases), for example when the"
          + " operator cannot reach them. Data written to a minority since quorum was lost may be discarded.")
  private Boolean force = false;

  @Default("false")
  @JsonPropertyDescription(
      "true: a member whose pod or volume exists but whose agent cannot be asked what it holds counts as holding"
          + " no data, so the task may keep another member or restore from the store, and that member's volume is"
          + " deleted. false: the task waits for every such member to answer (up to unknownMembersTimeout) and"
          + " then fails, having changed nothing, because an unasked member may hold the newest writes.")
  private Boolean allowUnknownMembers = false;

  @Default("2m")
  @Pattern(Patterns.DURATION)
  @Size(max = Patterns.DURATION_MAX_LENGTH)
  @JsonPropertyDescription(
      "How long step SelectSource keeps asking members whose agents do not answer before the task fails, as a"
          + " duration such as 2m. Ignored with allowUnknownMembers.")
  private String unknownMembersTimeout = "2m";

  public Boolean getForce() {
    return force;
  }

  public void setForce(Boolean force) {
    this.force = force;
  }

  public Boolean getAllowUnknownMembers() {
    return allowUnknownMembers;
  }

  public void setAllowUnknownMembers(Boolean allowUnknownMembers) {
    this.allowUnknownMembers = allowUnknownMembers;
  }

  public String getUnknownMembersTimeout() {
    return unknownMembersTimeout;
  }

  public void setUnknownMembersTimeout(String unknownMembersTimeout) {
    this.unknownMembersTimeout = unknownMembersTimeout;
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
    return Objects.equals(force, that.force) && Objects.equals(allowUnknownMembers, that.allowUnknownMembers)
        && Objects.equals(unknownMembersTimeout, that.unknownMembersTimeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(force, allowUnknownMembers, unknownMembersTimeout);
  }

  @Override
  public String toString() {
    return "RecoverQuorumConfig{force=" + force + ", allowUnknownMembers=" + allowUnknownMembers
        + ", unknownMembersTimeout=" + unknownMembersTimeout + "}";
  }
}
