package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * One snapshot object in a backup store, as the operator's catalog projects it. The store is the
 * source of truth: these fields mirror the snapshot's metadata file.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.startRevision) || self.endRevision >= self.startRevision",
    message = "endRevision must not be lower than startRevision",
    fieldPath = ".endRevision")
public class EtcdSnapshotSpec {

  @Required
  @JsonPropertyDescription("The Etcd whose backups this snapshot belongs to.")
  private EtcdReference etcdRef;

  @Required
  @JsonPropertyDescription("Full (the whole keyspace) or Delta (watch events after a full snapshot).")
  private SnapshotKind kind;

  @Required
  @Pattern(Patterns.SNAPSHOT_LOCATION)
  @Size(max = 2048)
  @JsonPropertyDescription("Where the snapshot object is: s3://<bucket>/<key> or file:///<path>.")
  private String location;

  @Min(0)
  @JsonPropertyDescription(
      "First revision the snapshot covers: 0 for a full snapshot, the revision after the previous snapshot's"
          + " endRevision for a delta.")
  private Long startRevision;

  @Required
  @Min(0)
  @JsonPropertyDescription(
      "Last revision the snapshot covers, read from the snapshot itself. A restore to this revision needs this"
          + " snapshot and, for a delta, every snapshot before it back to a full one.")
  private Long endRevision;

  @JsonPropertyDescription("When the snapshot was taken (RFC 3339).")
  private String createdAt;

  @Min(0)
  @JsonPropertyDescription("Size of the stored object in bytes (after compression and encryption).")
  private Long size;

  @JsonPropertyDescription("Compression of the stored object: None, Gzip or Zstd.")
  private Compression compression;

  @JsonPropertyDescription("Whether the stored object is encrypted (AES-256-GCM).")
  private Boolean encrypted;

  @Pattern(Patterns.SHA256)
  @JsonPropertyDescription("sha256 of the uncompressed, unencrypted snapshot, lowercase hex; checked on restore.")
  private String sha256;

  @Size(max = 32)
  @JsonPropertyDescription("Version of the etcd that produced the snapshot.")
  private String etcdVersion;

  @Pattern(Patterns.HEX_ID)
  @JsonPropertyDescription("etcd cluster ID in hex of the cluster that produced the snapshot.")
  private String clusterID;

  @Size(max = 253)
  @JsonPropertyDescription("Name of the member (pod) whose agent took the snapshot.")
  private String member;

  public EtcdReference getEtcdRef() {
    return etcdRef;
  }

  public void setEtcdRef(EtcdReference etcdRef) {
    this.etcdRef = etcdRef;
  }

  public SnapshotKind getKind() {
    return kind;
  }

  public void setKind(SnapshotKind kind) {
    this.kind = kind;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public Long getStartRevision() {
    return startRevision;
  }

  public void setStartRevision(Long startRevision) {
    this.startRevision = startRevision;
  }

  public Long getEndRevision() {
    return endRevision;
  }

  public void setEndRevision(Long endRevision) {
    this.endRevision = endRevision;
  }

  public String getCreatedAt() {
    return createdAt;
  }

  public void setCreatedAt(String createdAt) {
    this.createdAt = createdAt;
  }

  public Long getSize() {
    return size;
  }

  public void setSize(Long size) {
    this.size = size;
  }

  public Compression getCompression() {
    return compression;
  }

  public void setCompression(Compression compression) {
    this.compression = compression;
  }

  public Boolean getEncrypted() {
    return encrypted;
  }

  public void setEncrypted(Boolean encrypted) {
    this.encrypted = encrypted;
  }

  public String getSha256() {
    return sha256;
  }

  public void setSha256(String sha256) {
    this.sha256 = sha256;
  }

  public String getEtcdVersion() {
    return etcdVersion;
  }

  public void setEtcdVersion(String etcdVersion) {
    this.etcdVersion = etcdVersion;
  }

  public String getClusterID() {
    return clusterID;
  }

  public void setClusterID(String clusterID) {
    this.clusterID = clusterID;
  }

  public String getMember() {
    return member;
  }

  public void setMember(String member) {
    this.member = member;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdSnapshotSpec that = (EtcdSnapshotSpec) o;
    return Objects.equals(etcdRef, that.etcdRef) && Objects.equals(kind, that.kind) && Objects.equals(location, that.location) && Objects.equals(startRevision, that.startRevision) && Objects.equals(endRevision, that.endRevision) && Objects.equals(createdAt, that.createdAt) && Objects.equals(size, that.size) && Objects.equals(compression, that.compression) && Objects.equals(encrypted, that.encrypted) && Objects.equals(sha256, that.sha256) && Objects.equals(etcdVersion, that.etcdVersion) && Objects.equals(clusterID, that.clusterID) && Objects.equals(member, that.member);
  }

  @Override
  public int hashCode() {
    return Objects.hash(etcdRef, kind, location, startRevision, endRevision, createdAt, size, compression, encrypted, sha256, etcdVersion, clusterID, member);
  }

  @Override
  public String toString() {
    return "EtcdSnapshotSpec{etcdRef=" + etcdRef + ", kind=" + kind + ", location=" + location + ", startRevision=" + startRevision + ", endRevision=" + endRevision + ", createdAt=" + createdAt + ", size=" + size + ", compression=" + compression + ", encrypted=" + encrypted + ", sha256=" + sha256 + ", etcdVersion=" + etcdVersion + ", clusterID=" + clusterID + ", member=" + member + "}";
  }
}
