package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The newest snapshot of one kind, as reported through the snapshot Lease. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotRef {

  @JsonPropertyDescription("Name of the snapshot's EtcdSnapshot (the object's basename in the store).")
  private String name;

  @JsonPropertyDescription("Last etcd revision the snapshot contains.")
  private Long revision;

  @JsonPropertyDescription("When the snapshot was taken (RFC 3339).")
  private String time;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Long getRevision() {
    return revision;
  }

  public void setRevision(Long revision) {
    this.revision = revision;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    SnapshotRef that = (SnapshotRef) o;
    return Objects.equals(name, that.name) && Objects.equals(revision, that.revision) && Objects.equals(time, that.time);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, revision, time);
  }

  @Override
  public String toString() {
    return "SnapshotRef{name=" + name + ", revision=" + revision + ", time=" + time + "}";
  }
}
