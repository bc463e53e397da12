package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** What the operator does on its own when the cluster loses quorum. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecoverySpec {

  @Default("false")
  @JsonPropertyDescription(
      "true: when quorum stays lost for quorumLossGracePeriod, the operator creates a RecoverQuorum task on its own"
          + " (restarts the freshest surviving member with force-new-cluster when it is at least as new as the newest backup,"
          + " otherwise restores member 0 from the store; then re-adds the others). false:"
          + " it only reports; create the task yourself.")
  private Boolean automatic = false;

  @Default("5m")
  @Pattern(Patterns.DURATION)
  @Size(max = Patterns.DURATION_MAX_LENGTH)
  @ValidationRule(
      value = "duration(self) >= duration('30s')",
      message = "recovery.quorumLossGracePeriod must be at least 30s: shorter would act on brief disruptions")
  @JsonPropertyDescription(
      "How long quorum must stay lost before automatic recovery starts, as a duration such as 5m. Long enough"
          + " to ride out a node reboot.")
  private String quorumLossGracePeriod = "5m";

  @Default("false")
  @JsonPropertyDescription(
      "Passed to the automatic RecoverQuorum task as recoverQuorum.allowUnknownMembers. true: a member whose pod or"
          + " volume exists but whose agent cannot be asked what it holds (a node lost with its local volume, say)"
          + " counts as holding no data and its volume is deleted, so recovery goes on without a person; writes only"
          + " that member held are lost. false: such a task fails after 2m having changed nothing, and a person"
          + " decides.")
  private Boolean allowUnknownMembers = false;

  public Boolean getAutomatic() {
    return automatic;
  }

  public void setAutomatic(Boolean automatic) {
    this.automatic = automatic;
  }

  public String getQuorumLossGracePeriod() {
    return quorumLossGracePeriod;
  }

  public void setQuorumLossGracePeriod(String quorumLossGracePeriod) {
    this.quorumLossGracePeriod = quorumLossGracePeriod;
  }

  public Boolean getAllowUnknownMembers() {
    return allowUnknownMembers;
  }

  public void setAllowUnknownMembers(Boolean allowUnknownMembers) {
    this.allowUnknownMembers = allowUnknownMembers;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    RecoverySpec that = (RecoverySpec) o;
    return Objects.equals(automatic, that.automatic) && Objects.equals(quorumLossGracePeriod, that.quorumLossGracePeriod)
        && Objects.equals(allowUnknownMembers, that.allowUnknownMembers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(automatic, quorumLossGracePeriod, allowUnknownMembers);
  }

  @Override
  public String toString() {
    return "RecoverySpec{automatic=" + automatic + ", quorumLossGracePeriod=" + quorumLossGracePeriod
        + ", allowUnknownMembers=" + allowUnknownMembers + "}";
  }
}
