package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * The newest snapshot of one kind, as its agent reports it through the snapshot Lease (end revision and
 * time; the EtcdSnapshot records carry names: {@code kubectl get etcdsnap -l cairn.dev/etcd-name=...}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotRef {

  @JsonPropertyDescription("Last etcd revision the snapshot contains.")
  private Long revision;

  @JsonPropertyDescription("When the snapshot was taken (RFC 3339).")
  private String time;

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
    return Objects.equals(revision, that.revision) && Objects.equals(time, that.time);
  }

  @Override
  public int hashCode() {
    return Objects.hash(revision, time);
  }

  @Override
  public String toString() {
    return "SnapshotRef{revision=" + revision + ", time=" + time + "}";
  }
}
