package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** What is deleted along with the Etcd. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeletionPolicy {

  @Default("Retain")
  @JsonPropertyDescription("Retain keeps the members' volumes (PVCs) when the Etcd is deleted; Delete deletes them.")
  private RetentionPolicy volumes = RetentionPolicy.RETAIN;

  @Default("Retain")
  @JsonPropertyDescription(
      "Retain keeps the snapshots in the store (and their EtcdSnapshot entries) when the Etcd is deleted; Delete"
          + " deletes them.")
  private RetentionPolicy backups = RetentionPolicy.RETAIN;

  public RetentionPolicy getVolumes() {
    return volumes;
  }

  public void setVolumes(RetentionPolicy volumes) {
    this.volumes = volumes;
  }

  public RetentionPolicy getBackups() {
    return backups;
  }

  public void setBackups(RetentionPolicy backups) {
    this.backups = backups;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    DeletionPolicy that = (DeletionPolicy) o;
    return Objects.equals(volumes, that.volumes) && Objects.equals(backups, that.backups);
  }

  @Override
  public int hashCode() {
    return Objects.hash(volumes, backups);
  }

  @Override
  public String toString() {
    return "DeletionPolicy{volumes=" + volumes + ", backups=" + backups + "}";
  }
}
