package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.Objects;

/** The desired state of an etcd cluster. Every field has a usable default except backup. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.agent) || !has(self.agent.port) || !has(self.etcd)"
        + " || ((!has(self.etcd.clientPort) || self.agent.port != self.etcd.clientPort)"
        + " && (!has(self.etcd.peerPort) || self.agent.port != self.etcd.peerPort))",
    message = "agent.port must differ from etcd.clientPort and etcd.peerPort",
    fieldPath = ".agent.port")
public class EtcdSpec {

  @Default("3")
  @Min(0)
  @Max(9)
  @SpecReplicas
  @JsonPropertyDescription(
      "Number of members: 1, 3 or 5 are usual (a majority must stay healthy: 3 tolerate 1 failure, 5 tolerate 2)."
          + " 0 hibernates the cluster: a final full snapshot is taken (when backup is set), members are removed and"
          + " volumes are kept. At most 9.")
  private Integer replicas = 3;

  @Default("{}")
  @JsonPropertyDescription("How each etcd member is run: image, tuning, ports, resources and TLS.")
  private EtcdConfig etcd = new EtcdConfig();

  @Default("{}")
  @JsonPropertyDescription("The cairn agent next to etcd in every member pod.")
  private AgentConfig agent = new AgentConfig();

  @Default("{}")
  @JsonPropertyDescription("The persistent volume of each member.")
  private StorageSpec storage = new StorageSpec();

  @JsonPropertyDescription("Where member pods may run.")
  private SchedulingSpec scheduling;

  @JsonPropertyDescription(
      "Continuous backups to a store. Unset: no backups; the data lives only on the members' volumes, and"
          + " losing all of them loses it.")
  private BackupSpec backup;

  @Default("{}")
  @JsonPropertyDescription("Automatic recovery from quorum loss.")
  private RecoverySpec recovery = new RecoverySpec();

  @Default("{}")
  @JsonPropertyDescription("How members are rolled when their pod template changes.")
  private UpdateStrategy updateStrategy = new UpdateStrategy();

  @Default("{}")
  @JsonPropertyDescription("What is deleted along with the Etcd.")
  private DeletionPolicy deletionPolicy = new DeletionPolicy();

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public EtcdConfig getEtcd() {
    return etcd;
  }

  public void setEtcd(EtcdConfig etcd) {
    this.etcd = etcd;
  }

  public AgentConfig getAgent() {
    return agent;
  }

  public void setAgent(AgentConfig agent) {
    this.agent = agent;
  }

  public StorageSpec getStorage() {
    return storage;
  }

  public void setStorage(StorageSpec storage) {
    this.storage = storage;
  }

  public SchedulingSpec getScheduling() {
    return scheduling;
  }

  public void setScheduling(SchedulingSpec scheduling) {
    this.scheduling = scheduling;
  }

  public BackupSpec getBackup() {
    return backup;
  }

  public void setBackup(BackupSpec backup) {
    this.backup = backup;
  }

  public RecoverySpec getRecovery() {
    return recovery;
  }

  public void setRecovery(RecoverySpec recovery) {
    this.recovery = recovery;
  }

  public UpdateStrategy getUpdateStrategy() {
    return updateStrategy;
  }

  public void setUpdateStrategy(UpdateStrategy updateStrategy) {
    this.updateStrategy = updateStrategy;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdSpec that = (EtcdSpec) o;
    return Objects.equals(replicas, that.replicas) && Objects.equals(etcd, that.etcd) && Objects.equals(agent, that.agent) && Objects.equals(storage, that.storage) && Objects.equals(scheduling, that.scheduling) && Objects.equals(backup, that.backup) && Objects.equals(recovery, that.recovery) && Objects.equals(updateStrategy, that.updateStrategy) && Objects.equals(deletionPolicy, that.deletionPolicy);
  }

  @Override
  public int hashCode() {
    return Objects.hash(replicas, etcd, agent, storage, scheduling, backup, recovery, updateStrategy, deletionPolicy);
  }

  @Override
  public String toString() {
    return "EtcdSpec{replicas=" + replicas + ", etcd=" + etcd + ", agent=" + agent + ", storage=" + storage + ", scheduling=" + scheduling + ", backup=" + backup + ", recovery=" + recovery + ", updateStrategy=" + updateStrategy + ", deletionPolicy=" + deletionPolicy + "}";
  }
}
