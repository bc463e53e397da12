package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Where snapshots are written: an S3-compatible bucket or a local directory. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.provider != 'S3' || has(self.bucket)",
    message = "backup.store.bucket is required when provider is S3",
    fieldPath = ".bucket")
@ValidationRule(
    value = "self.provider != 'Local' || has(self.path)",
    message = "backup.store.path is required when provider is Local",
    fieldPath = ".path")
@ValidationRule(
    value = "self.provider != 'S3' || !has(self.path)",
    message = "backup.store.path is only for provider Local",
    fieldPath = ".path")
@ValidationRule(
    value = "self.provider != 'Local' || (!has(self.bucket) && !has(self.endpoint) && !has(self.region)"
        + " && !has(self.forcePathStyle) && !has(self.caSecretRef) && !has(self.credentialsSecretRef))",
    message = "backup.store.bucket, endpoint, region, forcePathStyle, caSecretRef and credentialsSecretRef are"
        + " only for provider S3")
@ValidationRule(
    value = "has(self.prefix) == has(oldSelf.prefix) && (!has(self.prefix) || self.prefix == oldSelf.prefix)",
    message = "backup.store.prefix cannot be changed, set or removed after creation: the existing snapshot chain"
        + " lives under it",
    fieldPath = ".prefix")
public class BackupStore {

  @Required
  @JsonPropertyDescription("S3 for any S3-compatible object store, Local for a directory on a mounted volume.")
  private StoreProvider provider;

  @Pattern(Patterns.ABSOLUTE_PATH)
  @Size(max = 1024)
  @JsonPropertyDescription(
      "Local only: absolute path of the snapshot directory inside the member pods, on a volume every member"
          + " mounts (for example a hostPath on a single node). Required for Local.")
  private String path;

  @Pattern(Patterns.S3_BUCKET)
  @Size(max = 63)
  @JsonPropertyDescription("S3 only: the bucket. Required for S3. The bucket must exist.")
  private String bucket;

  @Pattern(Patterns.STORE_PREFIX)
  @Size(max = 256)
  @JsonPropertyDescription(
      "Key prefix (S3) or subdirectory (Local) under which this cluster's snapshots live. Unset: <namespace>/<name>"
          + " of the Etcd. Immutable: changing it would orphan the existing snapshot chain.")
  private String prefix;

  @Pattern(Patterns.HTTP_URL)
  @Size(max = 512)
  @JsonPropertyDescription(
      "S3 only: endpoint URL such as https://minio.example:9000. Unset: AWS S3 for region.")
  private String endpoint;

  @Size(max = 64)
  @JsonPropertyDescription("S3 only: region of the bucket. Unset: us-east-1.")
  private String region;

  @JsonPropertyDescription(
      "S3 only: true always addresses buckets as <endpoint>/<bucket>. Unset or false: <bucket>.<endpoint> for"
          + " Amazon S3 and Aliyun OSS endpoints, <endpoint>/<bucket> for every other endpoint (MinIO, Ceph and"
          + " other self-hosted stores), as the MinIO client does.")
  private Boolean forcePathStyle;

  @JsonPropertyDescription("S3 only: Secret with ca.crt, the CA bundle to trust for the endpoint's certificate.")
  private SecretRef caSecretRef;

  @JsonPropertyDescription(
      "S3 only: Secret with accessKeyID and secretAccessKey (and optionally sessionToken). Unset: the default"
          + " credential chain of the pod (environment, web identity, instance profile).")
  private SecretRef credentialsSecretRef;

  public StoreProvider getProvider() {
    return provider;
  }

  public void setProvider(StoreProvider provider) {
    this.provider = provider;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public String getBucket() {
    return bucket;
  }

  public void setBucket(String bucket) {
    this.bucket = bucket;
  }

  public String getPrefix() {
    return prefix;
  }

  public void setPrefix(String prefix) {
    this.prefix = prefix;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public Boolean getForcePathStyle() {
    return forcePathStyle;
  }

  public void setForcePathStyle(Boolean forcePathStyle) {
    this.forcePathStyle = forcePathStyle;
  }

  public SecretRef getCaSecretRef() {
    return caSecretRef;
  }

  public void setCaSecretRef(SecretRef caSecretRef) {
    this.caSecretRef = caSecretRef;
  }

  public SecretRef getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(SecretRef credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    BackupStore that = (BackupStore) o;
    return Objects.equals(provider, that.provider) && Objects.equals(path, that.path) && Objects.equals(bucket, that.bucket) && Objects.equals(prefix, that.prefix) && Objects.equals(endpoint, that.endpoint) && Objects.equals(region, that.region) && Objects.equals(forcePathStyle, that.forcePathStyle) && Objects.equals(caSecretRef, that.caSecretRef) && Objects.equals(credentialsSecretRef, that.credentialsSecretRef);
  }

  @Override
  public int hashCode() {
    return Objects.hash(provider, path, bucket, prefix, endpoint, region, forcePathStyle, caSecretRef, credentialsSecretRef);
  }

  @Override
  public String toString() {
    return "BackupStore{provider=" + provider + ", path=" + path + ", bucket=" + bucket + ", prefix=" + prefix + ", endpoint=" + endpoint + ", region=" + region + ", forcePathStyle=" + forcePathStyle + ", caSecretRef=" + caSecretRef + ", credentialsSecretRef=" + credentialsSecretRef + "}";
  }
}
