package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * Deletion of old snapshots from the store. The newest full snapshot and the deltas after it are never
 * deleted.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.policy == 'LimitBased' || !has(self.maxBackups)",
    message = "backup.garbageCollection.maxBackups is only for policy LimitBased",
    fieldPath = ".maxBackups")
@ValidationRule(
    value = "self.policy != 'LimitBased' || has(self.maxBackups)",
    message = "backup.garbageCollection.maxBackups is required for policy LimitBased",
    fieldPath = ".maxBackups")
public class GarbageCollection {

  @Default("Exponential")
  @JsonPropertyDescription(
      "LimitBased keeps the newest maxBackups full snapshots; Exponential keeps all of the last hour, then one"
          + " per hour for a day, one per day for a week, one per week for four weeks.")
  private GarbageCollectionPolicy policy = GarbageCollectionPolicy.EXPONENTIAL;

  @Default("1m")
  @Pattern(Patterns.DURATION)
  @Size(max = Patterns.DURATION_MAX_LENGTH)
  @JsonPropertyDescription("How often garbage collection runs, as a duration such as 1m or 1h. Must be longer"
      + " than backup.deltaSnapshotPeriod.")
  private String period = "1m";

  @Min(1)
  @JsonPropertyDescription("LimitBased only, required there: how many full snapshots (each with its deltas) to keep.")
  private Integer maxBackups;

  @Pattern(Patterns.DURATION)
  @Size(max = Patterns.DURATION_MAX_LENGTH)
  @JsonPropertyDescription(
      "Delete delta snapshots older than this duration (such as 72h), except those after the newest full"
          + " snapshot. Unset: deltas live as long as their full snapshot. Older deltas limit point-in-time"
          + " restore to this window.")
  private String deltaRetention;

  @Pattern(Patterns.DURATION)
  @Size(max = Patterns.DURATION_MAX_LENGTH)
  @ValidationRule(
      value = "duration(self) >= duration('1h')",
      message = "backup.garbageCollection.archiveRetention must be at least 1h: archives hold the only copies of"
          + " abandoned timelines")
  @JsonPropertyDescription(
      "Remove archives of abandoned timelines (what a restore to an older point moved aside, ADR 0008) this long"
          + " after their restore started, such as 720h. Only finished, explained archives go, and never the newest"
          + " restore's before its timeline has a full snapshot of its own. Unset: archives are kept (cairn store"
          + " archive-remove removes one).")
  private String archiveRetention;

  public GarbageCollectionPolicy getPolicy() {
    return policy;
  }

  public void setPolicy(GarbageCollectionPolicy policy) {
    this.policy = policy;
  }

  public String getPeriod() {
    return period;
  }

  public void setPeriod(String period) {
    this.period = period;
  }

  public Integer getMaxBackups() {
    return maxBackups;
  }

  public void setMaxBackups(Integer maxBackups) {
    this.maxBackups = maxBackups;
  }

  public String getDeltaRetention() {
    return deltaRetention;
  }

  public void setDeltaRetention(String deltaRetention) {
    this.deltaRetention = deltaRetention;
  }

  public String getArchiveRetention() {
    return archiveRetention;
  }

  public void setArchiveRetention(String archiveRetention) {
    this.archiveRetention = archiveRetention;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    GarbageCollection that = (GarbageCollection) o;
    return Objects.equals(policy, that.policy) && Objects.equals(period, that.period) && Objects.equals(maxBackups, that.maxBackups) && Objects.equals(deltaRetention, that.deltaRetention)
        && Objects.equals(archiveRetention, that.archiveRetention);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policy, period, maxBackups, deltaRetention, archiveRetention);
  }

  @Override
  public String toString() {
    return "GarbageCollection{policy=" + policy + ", period=" + period + ", maxBackups=" + maxBackups + ", deltaRetention=" + deltaRetention
        + ", archiveRetention=" + archiveRetention + "}";
  }
}
