package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** What an EtcdOpsTask does. Immutable: create a new task to do something else. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "an EtcdOpsTask's spec is immutable: create a new task")
@ValidationRule(
    value = "!has(self.recoverQuorum) || self.type == 'RecoverQuorum'",
    message = "recoverQuorum is only allowed when type is RecoverQuorum",
    fieldPath = ".recoverQuorum")
@ValidationRule(
    value = "!has(self.snapshot) || self.type == 'Snapshot'",
    message = "snapshot is only allowed when type is Snapshot",
    fieldPath = ".snapshot")
@ValidationRule(
    value = "!has(self.restore) || self.type == 'Restore'",
    message = "restore is only allowed when type is Restore",
    fieldPath = ".restore")
@ValidationRule(
    value = "self.type != 'Restore' || has(self.restore)",
    message = "type Restore needs restore.snapshotName or restore.revision",
    fieldPath = ".restore")
public class EtcdOpsTaskSpec {

  @Required
  @JsonPropertyDescription("The Etcd to operate on, in the task's namespace.")
  private LocalEtcdReference etcdRef;

  @Required
  @JsonPropertyDescription("RecoverQuorum, Snapshot or Restore; the matching field below holds its settings.")
  private TaskType type;

  @JsonPropertyDescription("Settings for type RecoverQuorum (optional there).")
  private RecoverQuorumConfig recoverQuorum;

  @JsonPropertyDescription("Settings for type Snapshot (optional there: a full snapshot).")
  private SnapshotTaskConfig snapshot;

  @JsonPropertyDescription("Settings for type Restore (required there).")
  private RestoreConfig restore;

  @Min(0)
  @JsonPropertyDescription(
      "Delete the task this many seconds after it finished (Succeeded, Failed or Rejected). Unset: keep it until"
          + " deleted.")
  private Integer ttlSecondsAfterFinished;

  public LocalEtcdReference getEtcdRef() {
    return etcdRef;
  }

  public void setEtcdRef(LocalEtcdReference etcdRef) {
    this.etcdRef = etcdRef;
  }

  public TaskType getType() {
    return type;
  }

  public void setType(TaskType type) {
    this.type = type;
  }

  public RecoverQuorumConfig getRecoverQuorum() {
    return recoverQuorum;
  }

  public void setRecoverQuorum(RecoverQuorumConfig recoverQuorum) {
    this.recoverQuorum = recoverQuorum;
  }

  public SnapshotTaskConfig getSnapshot() {
    return snapshot;
  }

  public void setSnapshot(SnapshotTaskConfig snapshot) {
    this.snapshot = snapshot;
  }

  public RestoreConfig getRestore() {
    return restore;
  }

  public void setRestore(RestoreConfig restore) {
    this.restore = restore;
  }

  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdOpsTaskSpec that = (EtcdOpsTaskSpec) o;
    return Objects.equals(etcdRef, that.etcdRef) && Objects.equals(type, that.type) && Objects.equals(recoverQuorum, that.recoverQuorum) && Objects.equals(snapshot, that.snapshot) && Objects.equals(restore, that.restore) && Objects.equals(ttlSecondsAfterFinished, that.ttlSecondsAfterFinished);
  }

  @Override
  public int hashCode() {
    return Objects.hash(etcdRef, type, recoverQuorum, snapshot, restore, ttlSecondsAfterFinished);
  }

  @Override
  public String toString() {
    return "EtcdOpsTaskSpec{etcdRef=" + etcdRef + ", type=" + type + ", recoverQuorum=" + recoverQuorum + ", snapshot=" + snapshot + ", restore=" + restore + ", ttlSecondsAfterFinished=" + ttlSecondsAfterFinished + "}";
  }
}
