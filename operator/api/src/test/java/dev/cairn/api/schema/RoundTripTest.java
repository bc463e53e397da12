package dev.cairn.api.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.api.ConditionTypes;
import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.AutoCompaction;
import dev.cairn.api.v1alpha1.AutoCompactionMode;
import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.BackupStore;
import dev.cairn.api.v1alpha1.Compression;
import dev.cairn.api.v1alpha1.Encryption;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdOpsTaskStatus;
import dev.cairn.api.v1alpha1.EtcdReference;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.EtcdSnapshotStatus;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.api.v1alpha1.GarbageCollectionPolicy;
import dev.cairn.api.v1alpha1.LastError;
import dev.cairn.api.v1alpha1.LastOperation;
import dev.cairn.api.v1alpha1.LocalEtcdReference;
import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.MemberState;
import dev.cairn.api.v1alpha1.MemberStatus;
import dev.cairn.api.v1alpha1.OperationState;
import dev.cairn.api.v1alpha1.OperationType;
import dev.cairn.api.v1alpha1.ReconcileSuspension;
import dev.cairn.api.v1alpha1.RecoverQuorumConfig;
import dev.cairn.api.v1alpha1.RestoreConfig;
import dev.cairn.api.v1alpha1.RetentionPolicy;
import dev.cairn.api.v1alpha1.SchedulingSpec;
import dev.cairn.api.v1alpha1.SecretRef;
import dev.cairn.api.v1alpha1.SnapshotKind;
import dev.cairn.api.v1alpha1.SnapshotRef;
import dev.cairn.api.v1alpha1.SnapshotTaskConfig;
import dev.cairn.api.v1alpha1.StepState;
import dev.cairn.api.v1alpha1.StoreProvider;
import dev.cairn.api.v1alpha1.TaskPhase;
import dev.cairn.api.v1alpha1.TaskStep;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.api.v1alpha1.TlsConfig;
import dev.cairn.api.v1alpha1.UpdateStrategyType;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Objects built in Java serialize to YAML the schema accepts and read back equal; and the Java field
 * initialisers hold exactly the schema's defaults, so code reading objects from a server that does
 * not default (the mock server) sees what a real API server would store.
 */
class RoundTripTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Etcd fullEtcd() {
    Etcd etcd = new Etcd("prod", "orders");
    var spec = etcd.getSpec();
    spec.setReplicas(5);
    spec.getEtcd().setImage("registry.k8s.io/etcd:3.5.17-0");
    spec.getEtcd().setVersion("3.5.17");
    spec.getEtcd().setQuotaBackendBytes(new Quantity("4Gi"));
    spec.getEtcd().setAutoCompaction(new AutoCompaction(AutoCompactionMode.REVISION, "10000"));
    spec.getEtcd().setHeartbeatIntervalMillis(200);
    spec.getEtcd().setElectionTimeoutMillis(2000);
    spec.getEtcd().setResources(new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("1Gi")).build());
    spec.getEtcd().setExtraArgs(Map.of("max-txn-ops", "256"));
    spec.getEtcd().setClientTLS(new TlsConfig("client-tls"));
    spec.getEtcd().setPeerTLS(new TlsConfig("peer-tls"));
    spec.getAgent().setTls(new TlsConfig("agent-tls"));
    spec.getStorage().setCapacity(new Quantity("8Gi"));
    spec.getStorage().setStorageClassName("fast");
    SchedulingSpec scheduling = new SchedulingSpec();
    scheduling.setNodeSelector(Map.of("disk", "ssd"));
    scheduling.setTolerations(List.of(new TolerationBuilder().withKey("etcd").withOperator("Exists").build()));
    scheduling.setPriorityClassName("system-cluster-critical");
    spec.setScheduling(scheduling);
    BackupSpec backup = new BackupSpec();
    BackupStore store = new BackupStore();
    store.setProvider(StoreProvider.S3);
    store.setBucket("backups");
    store.setPrefix("prod/orders");
    store.setEndpoint("http://127.0.0.1:9000");
    store.setForcePathStyle(true);
    store.setCredentialsSecretRef(new SecretRef("s3"));
    backup.setStore(store);
    backup.setFullSnapshotSchedule("*/15 * * * 1-5");
    backup.setDeltaSnapshotPeriod("1m30s");
    backup.getGarbageCollection().setPolicy(GarbageCollectionPolicy.LIMIT_BASED);
    backup.getGarbageCollection().setMaxBackups(10);
    backup.getGarbageCollection().setPeriod("10m");
    backup.setCompression(Compression.ZSTD);
    Encryption encryption = new Encryption();
    encryption.setKeySecretRef(new SecretRef("key"));
    backup.setEncryption(encryption);
    backup.setTokenSecretRef(new SecretRef("token"));
    spec.setBackup(backup);
    spec.getRecovery().setAutomatic(true);
    spec.getUpdateStrategy().setType(UpdateStrategyType.ON_DELETE);
    spec.getDeletionPolicy().setBackups(RetentionPolicy.DELETE);

    EtcdStatus status = new EtcdStatus();
    status.setObservedGeneration(3L);
    status.setConditions(List.of(new ConditionBuilder().withType(ConditionTypes.READY).withStatus("True")
        .withReason(ConditionTypes.REASON_QUORATE).withObservedGeneration(3L)
        .withLastTransitionTime("2025-01-01T00:00:00Z").build()));
    MemberStatus member = new MemberStatus();
    member.setName("orders-0");
    member.setId("8e9e05c52164694d");
    member.setRole(MemberRole.LEADER);
    member.setStatus(MemberState.READY);
    member.setLastTransitionTime("2025-01-01T00:00:00Z");
    status.setMembers(List.of(member));
    status.setReplicas(5);
    status.setReadyReplicas(5);
    status.setLabelSelector(Labels.memberSelectorString("orders"));
    status.setClusterID("cdf818194e3a8c32");
    SnapshotRef full = new SnapshotRef();
    full.setRevision(1234L);
    full.setTime("2025-01-01T00:00:00Z");
    status.setLastFullSnapshot(full);
    LastError error = new LastError();
    error.setCode("SpecInvalid");
    error.setDescription("cannot reach http://127.0.0.1:9000: connection refused");
    error.setObservedAt("2025-01-01T00:00:00Z");
    status.setLastErrors(List.of(error));
    LastOperation operation = new LastOperation();
    operation.setType(OperationType.RECONCILE);
    operation.setState(OperationState.SUCCEEDED);
    status.setLastOperation(operation);
    ReconcileSuspension suspension = new ReconcileSuspension();
    suspension.setTaskName("orders-restore");
    suspension.setSince("2025-01-01T00:00:00Z");
    status.setReconcileSuspendedBy(suspension);
    etcd.setStatus(status);
    return etcd;
  }

  @Test
  void javaBuiltEtcdSerializesToValidYamlAndReadsBackEqual() {
    Etcd etcd = fullEtcd();
    String yaml = SERIALIZATION.asYaml(etcd);
    CrdValidator.Result result = CrdValidator.forKind("Etcd").validate(yaml);
    assertTrue(result.valid(), () -> result + "\n" + yaml);
    Etcd back = SERIALIZATION.unmarshal(yaml, Etcd.class);
    assertEquals(etcd.getSpec(), back.getSpec());
    assertEquals(etcd.getStatus(), back.getStatus());
    assertTrue(yaml.contains("apiVersion: \"cairn.dev/v1alpha1\""), yaml);
    assertTrue(yaml.contains("kind: \"Etcd\""), yaml);
  }

  @Test
  void enumsSerializeToTheirSchemaValues() {
    String yaml = SERIALIZATION.asYaml(fullEtcd());
    for (String value : List.of("\"LimitBased\"", "\"Zstd\"", "\"OnDelete\"", "\"Delete\"", "\"revision\"",
        "\"Leader\"", "\"Ready\"", "\"Reconcile\"", "\"Succeeded\"", "\"S3\"")) {
      assertTrue(yaml.contains(value), value + " missing in\n" + yaml);
    }
  }

  @Test
  void javaBuiltTaskAndSnapshotAreValid() {
    EtcdOpsTask task = new EtcdOpsTask();
    task.getMetadata().setNamespace("prod");
    task.getMetadata().setName("restore");
    task.getSpec().setEtcdRef(new LocalEtcdReference("orders"));
    task.getSpec().setType(TaskType.RESTORE);
    RestoreConfig restore = new RestoreConfig();
    restore.setRevision(1200L);
    task.getSpec().setRestore(restore);
    EtcdOpsTaskStatus taskStatus = new EtcdOpsTaskStatus();
    taskStatus.setPhase(TaskPhase.RUNNING);
    TaskStep step = new TaskStep();
    step.setName("SuspendReconcile");
    step.setState(StepState.SUCCEEDED);
    taskStatus.setSteps(List.of(step));
    task.setStatus(taskStatus);
    String taskYaml = SERIALIZATION.asYaml(task);
    CrdValidator.Result taskResult = CrdValidator.forKind("EtcdOpsTask").validate(taskYaml);
    assertTrue(taskResult.valid(), () -> taskResult + "\n" + taskYaml);
    assertEquals(task.getSpec(), SERIALIZATION.unmarshal(taskYaml, EtcdOpsTask.class).getSpec());

    EtcdSnapshot snapshot = new EtcdSnapshot();
    snapshot.getMetadata().setName("prod.orders.delta-00001235-00001300");
    snapshot.getSpec().setEtcdRef(new EtcdReference("prod", "orders"));
    snapshot.getSpec().setKind(SnapshotKind.DELTA);
    snapshot.getSpec().setLocation("file:///var/backups/prod/orders/Incr-00001235-00001300");
    snapshot.getSpec().setStartRevision(1235L);
    snapshot.getSpec().setEndRevision(1300L);
    snapshot.getSpec().setSize(4096L);
    snapshot.getSpec().setCompression(Compression.GZIP);
    snapshot.getSpec().setEncrypted(false);
    EtcdSnapshotStatus snapshotStatus = new EtcdSnapshotStatus();
    snapshotStatus.setReadyToUse(true);
    snapshot.setStatus(snapshotStatus);
    String snapYaml = SERIALIZATION.asYaml(snapshot);
    CrdValidator.Result snapResult = CrdValidator.forKind("EtcdSnapshot").validate(snapYaml);
    assertTrue(snapResult.valid(), () -> snapResult + "\n" + snapYaml);
  }

  /** A new Etcd in Java serializes to exactly what the API server stores for {@code spec: {}}. */
  @Test
  void javaDefaultsEqualSchemaDefaultsForEtcd() {
    JsonNode java = CrdValidator.readYaml(SERIALIZATION.asYaml(new Etcd("ns", "name")));
    JsonNode server = CrdValidator.forKind("Etcd").withDefaults(CrdValidator.readYaml(
        "{apiVersion: cairn.dev/v1alpha1, kind: Etcd, metadata: {name: name, namespace: ns}, spec: {}}"));
    assertEquals(server.path("spec"), java.path("spec"));
  }

  @Test
  void javaDefaultsEqualSchemaDefaultsForBackup() {
    Etcd etcd = new Etcd("ns", "name");
    BackupSpec backup = new BackupSpec();
    BackupStore store = new BackupStore();
    store.setProvider(StoreProvider.S3);
    store.setBucket("bucket");
    backup.setStore(store);
    etcd.getSpec().setBackup(backup);
    JsonNode java = CrdValidator.readYaml(SERIALIZATION.asYaml(etcd));
    JsonNode server = CrdValidator.forKind("Etcd").withDefaults(CrdValidator.readYaml(
        "{apiVersion: cairn.dev/v1alpha1, kind: Etcd, metadata: {name: name, namespace: ns},"
            + " spec: {backup: {store: {provider: S3, bucket: bucket}}}}"));
    assertEquals(server.path("spec"), java.path("spec"));
  }

  @Test
  void javaDefaultsEqualSchemaDefaultsForTaskSettings() {
    EtcdOpsTask task = new EtcdOpsTask();
    task.getSpec().setEtcdRef(new LocalEtcdReference("e"));
    task.getSpec().setType(TaskType.SNAPSHOT);
    task.getSpec().setSnapshot(new SnapshotTaskConfig());
    task.getSpec().setRecoverQuorum(new RecoverQuorumConfig());
    task.getSpec().setRestore(new RestoreConfig());
    JsonNode java = CrdValidator.readYaml(SERIALIZATION.asYaml(task)).path("spec");
    JsonNode server = CrdValidator.forKind("EtcdOpsTask").withDefaults(CrdValidator.readYaml(
        "{apiVersion: cairn.dev/v1alpha1, kind: EtcdOpsTask, metadata: {name: t, namespace: ns},"
            + " spec: {etcdRef: {name: e}, type: Snapshot, snapshot: {}, recoverQuorum: {}, restore: {}}}"))
        .path("spec");
    assertEquals(server, java);
  }
}
