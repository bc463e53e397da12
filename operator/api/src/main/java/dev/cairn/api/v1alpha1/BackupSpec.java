package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/**
 * Continuous backups: full snapshots on a schedule, delta snapshots (watch events) in between, old ones
 * garbage-collected. Taken by the agent of the current leader.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.deltaSnapshotPeriod) || !has(self.garbageCollection) || !has(self.garbageCollection.period)"
        + " || duration(self.deltaSnapshotPeriod) < duration(self.garbageCollection.period)",
    message = "backup.deltaSnapshotPeriod must be shorter than backup.garbageCollection.period",
    fieldPath = ".deltaSnapshotPeriod")
public class BackupSpec {

  @Required
  @JsonPropertyDescription("Where snapshots are written.")
  private BackupStore store;

  @Default("0 */1 * * *")
  @Pattern(Patterns.CRON)
  @Size(max = Patterns.CRON_MAX_LENGTH)
  @JsonPropertyDescription(
      "When full snapshots are taken: a 5-field cron expression (minute hour day-of-month month day-of-week, UTC)"
          + " such as \"0 */1 * * *\". A restore replays every delta since the last full snapshot, so more"
          + " frequent full snapshots mean faster restores.")
  private String fullSnapshotSchedule = "0 */1 * * *";

  @Default("20s")
  @Pattern(Patterns.DURATION)
  @Size(max = Patterns.DURATION_MAX_LENGTH)
  @ValidationRule(
      value = "duration(self) >= duration('1s')",
      message = "backup.deltaSnapshotPeriod must be at least 1s")
  @JsonPropertyDescription(
      "How often delta snapshots are taken, as a duration such as 20s or 5m: at most this much acknowledged"
          + " data is lost when every member is lost at once.")
  private String deltaSnapshotPeriod = "20s";

  @Default("100Mi")
  @ValidationRule(value = Patterns.POSITIVE_QUANTITY_RULE, message = "backup.deltaSnapshotMemoryLimit must be a positive quantity such as 100Mi")
  @JsonPropertyDescription(
      "A delta snapshot is cut early when its buffered events reach this size, which bounds the agent's memory."
          + " Size agent.resources to hold it.")
  private Quantity deltaSnapshotMemoryLimit = new Quantity("100Mi");

  @Default("{}")
  @JsonPropertyDescription("Deletion of old snapshots from the store.")
  private GarbageCollection garbageCollection = new GarbageCollection();

  @Default("None")
  @JsonPropertyDescription("Compression of snapshots: None, Gzip or Zstd. Restores read any of them.")
  private Compression compression = Compression.NONE;

  @JsonPropertyDescription("Client-side AES-256-GCM encryption of snapshots. Unset: stored as they are.")
  private Encryption encryption;

  @JsonPropertyDescription(
      "Secret whose key \"token\" identifies this cluster's backups: a salted hash of it (never the token) is"
          + " recorded with every snapshot, and a restore refuses snapshots whose hash differs. Guards against"
          + " restoring another cluster's data into this one.")
  private SecretRef tokenSecretRef;

  public BackupStore getStore() {
    return store;
  }

  public void setStore(BackupStore store) {
    this.store = store;
  }

  public String getFullSnapshotSchedule() {
    return fullSnapshotSchedule;
  }

  public void setFullSnapshotSchedule(String fullSnapshotSchedule) {
    this.fullSnapshotSchedule = fullSnapshotSchedule;
  }

  public String getDeltaSnapshotPeriod() {
    return deltaSnapshotPeriod;
  }

  public void setDeltaSnapshotPeriod(String deltaSnapshotPeriod) {
    this.deltaSnapshotPeriod = deltaSnapshotPeriod;
  }

  public Quantity getDeltaSnapshotMemoryLimit() {
    return deltaSnapshotMemoryLimit;
  }

  public void setDeltaSnapshotMemoryLimit(Quantity deltaSnapshotMemoryLimit) {
    this.deltaSnapshotMemoryLimit = deltaSnapshotMemoryLimit;
  }

  public GarbageCollection getGarbageCollection() {
    return garbageCollection;
  }

  public void setGarbageCollection(GarbageCollection garbageCollection) {
    this.garbageCollection = garbageCollection;
  }

  public Compression getCompression() {
    return compression;
  }

  public void setCompression(Compression compression) {
    this.compression = compression;
  }

  public Encryption getEncryption() {
    return encryption;
  }

  public void setEncryption(Encryption encryption) {
    this.encryption = encryption;
  }

  public SecretRef getTokenSecretRef() {
    return tokenSecretRef;
  }

  public void setTokenSecretRef(SecretRef tokenSecretRef) {
    this.tokenSecretRef = tokenSecretRef;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    BackupSpec that = (BackupSpec) o;
    return Objects.equals(store, that.store) && Objects.equals(fullSnapshotSchedule, that.fullSnapshotSchedule) && Objects.equals(deltaSnapshotPeriod, that.deltaSnapshotPeriod) && Objects.equals(deltaSnapshotMemoryLimit, that.deltaSnapshotMemoryLimit) && Objects.equals(garbageCollection, that.garbageCollection) && Objects.equals(compression, that.compression) && Objects.equals(encryption, that.encryption) && Objects.equals(tokenSecretRef, that.tokenSecretRef);
  }

  @Override
  public int hashCode() {
    return Objects.hash(store, fullSnapshotSchedule, deltaSnapshotPeriod, deltaSnapshotMemoryLimit, garbageCollection, compression, encryption, tokenSecretRef);
  }

  @Override
  public String toString() {
    return "BackupSpec{store=" + store + ", fullSnapshotSchedule=" + fullSnapshotSchedule + ", deltaSnapshotPeriod=" + deltaSnapshotPeriod + ", deltaSnapshotMemoryLimit=" + deltaSnapshotMemoryLimit + ", garbageCollection=" + garbageCollection + ", compression=" + compression + ", encryption=" + encryption + ", tokenSecretRef=" + tokenSecretRef + "}";
  }
}
