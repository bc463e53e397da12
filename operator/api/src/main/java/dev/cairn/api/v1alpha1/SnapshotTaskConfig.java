package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Settings of a Snapshot task. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!self.final || self.kind == 'Full'",
    message = "snapshot.final needs kind Full",
    fieldPath = ".final")
public class SnapshotTaskConfig {

  @Default("Full")
  @JsonPropertyDescription("Full or Delta.")
  private SnapshotKind kind = SnapshotKind.FULL;

  @Default("false")
  @JsonProperty("final")
  @JsonPropertyDescription(
      "true: the last snapshot before the cluster goes away (hibernation, deletion, migration); garbage"
          + " collection keeps it as the newest chain. Full only.")
  private Boolean finalSnapshot = false;

  public SnapshotKind getKind() {
    return kind;
  }

  public void setKind(SnapshotKind kind) {
    this.kind = kind;
  }

  public Boolean getFinalSnapshot() {
    return finalSnapshot;
  }

  public void setFinalSnapshot(Boolean finalSnapshot) {
    this.finalSnapshot = finalSnapshot;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    SnapshotTaskConfig that = (SnapshotTaskConfig) o;
    return Objects.equals(kind, that.kind) && Objects.equals(finalSnapshot, that.finalSnapshot);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, finalSnapshot);
  }

  @Override
  public String toString() {
    return "SnapshotTaskConfig{kind=" + kind + ", finalSnapshot=" + finalSnapshot + "}";
  }
}
