package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** etcd's automatic compaction of old revisions, which keeps the database from growing without bound. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.mode == 'revision' ? self.retention.matches('^[0-9]+$')"
        + " : self.retention.matches('^[0-9]+$') || self.retention.matches('" + Patterns.DURATION + "')",
    message = "autoCompaction.retention must be a whole number of revisions for mode revision, and a duration"
        + " (such as 30m or 1h) or a whole number of hours for mode periodic",
    fieldPath = ".retention")
public class AutoCompaction {

  @Required
  @JsonPropertyDescription(
      "periodic keeps the history of the last retention period; revision keeps the last retention revisions."
          + " Passed to etcd as --auto-compaction-mode.")
  private AutoCompactionMode mode;

  @Required
  @Size(max = 32)
  @JsonPropertyDescription(
      "How much history to keep. For periodic: a duration such as 30m or 1h, or a whole number of hours. For"
          + " revision: a whole number of revisions such as 10000. Passed to etcd as --auto-compaction-retention.")
  private String retention;

  public AutoCompaction() {}

  public AutoCompaction(AutoCompactionMode mode, String retention) {
    this.mode = mode;
    this.retention = retention;
  }

  public AutoCompactionMode getMode() {
    return mode;
  }

  public void setMode(AutoCompactionMode mode) {
    this.mode = mode;
  }

  public String getRetention() {
    return retention;
  }

  public void setRetention(String retention) {
    this.retention = retention;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    AutoCompaction that = (AutoCompaction) o;
    return Objects.equals(mode, that.mode) && Objects.equals(retention, that.retention);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, retention);
  }

  @Override
  public String toString() {
    return "AutoCompaction{mode=" + mode + ", retention=" + retention + "}";
  }
}
