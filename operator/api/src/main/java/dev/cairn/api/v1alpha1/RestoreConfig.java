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

/** Settings of a Restore task: what to restore, by snapshot or by revision. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.snapshotName) != has(self.revision)",
    message = "restore needs exactly one of snapshotName or revision")
public class RestoreConfig {

  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = Patterns.DNS_SUBDOMAIN_MAX_LENGTH)
  @JsonPropertyDescription(
      "Restore to the end of this EtcdSnapshot (and the full snapshot and deltas before it, for a delta)."
          + " Exclusive with revision.")
  private String snapshotName;

  @Min(1)
  @JsonPropertyDescription(
      "Restore to exactly this revision: the newest full snapshot at or below it, then deltas up to it"
          + " (point-in-time restore). Exclusive with snapshotName.")
  private Long revision;

  @Default("false")
  @JsonPropertyDescription(
      "true: restore even when the snapshot's token hash differs from the hash of the Etcd's current"
          + " backup.tokenSecretRef, for example to move data between clusters on purpose.")
  private Boolean allowTokenMismatch = false;

  public String getSnapshotName() {
    return snapshotName;
  }

  public void setSnapshotName(String snapshotName) {
    this.snapshotName = snapshotName;
  }

  public Long getRevision() {
    return revision;
  }

  public void setRevision(Long revision) {
    this.revision = revision;
  }

  public Boolean getAllowTokenMismatch() {
    return allowTokenMismatch;
  }

  public void setAllowTokenMismatch(Boolean allowTokenMismatch) {
    this.allowTokenMismatch = allowTokenMismatch;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    RestoreConfig that = (RestoreConfig) o;
    return Objects.equals(snapshotName, that.snapshotName) && Objects.equals(revision, that.revision) && Objects.equals(allowTokenMismatch, that.allowTokenMismatch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(snapshotName, revision, allowTokenMismatch);
  }

  @Override
  public String toString() {
    return "RestoreConfig{snapshotName=" + snapshotName + ", revision=" + revision + ", allowTokenMismatch=" + allowTokenMismatch + "}";
  }
}
