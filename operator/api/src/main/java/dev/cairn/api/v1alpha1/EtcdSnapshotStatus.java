package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Whether a catalogued snapshot can be used for a restore. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdSnapshotStatus {

  @JsonPropertyDescription(
      "true once the object and its metadata file are complete in the store and their checksums agree.")
  private Boolean readyToUse;

  @JsonPropertyDescription("Why the snapshot is not usable, when readyToUse is false.")
  private String error;

  public Boolean getReadyToUse() {
    return readyToUse;
  }

  public void setReadyToUse(Boolean readyToUse) {
    this.readyToUse = readyToUse;
  }

  public String getError() {
    return error;
  }

  public void setError(String error) {
    this.error = error;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdSnapshotStatus that = (EtcdSnapshotStatus) o;
    return Objects.equals(readyToUse, that.readyToUse) && Objects.equals(error, that.error);
  }

  @Override
  public int hashCode() {
    return Objects.hash(readyToUse, error);
  }

  @Override
  public String toString() {
    return "EtcdSnapshotStatus{readyToUse=" + readyToUse + ", error=" + error + "}";
  }
}
