package dev.cairn.api.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid documents, each a small merge patch on a valid one, and the single rule that must reject it:
 * the field path, the schema keyword or {@code cel}, and a fragment of the message. A case that is
 * rejected for another reason, or by more than one rule, fails: it would not prove the rule works.
 */
class RejectionTableTest {

  static final String ETCD =
      """
      apiVersion: cairn.dev/v1alpha1
      kind: Etcd
      metadata: {name: main, namespace: prod}
      spec:
        replicas: 3
        etcd:
          version: "3.5.17"
          heartbeatIntervalMillis: 100
          electionTimeoutMillis: 1000
          extraArgs: {max-request-bytes: "2097152"}
          autoCompaction: {mode: periodic, retention: 30m}
        storage: {capacity: 20Gi, storageClassName: fast-ssd}
        backup:
          store:
            provider: S3
            bucket: etcd-backups
            prefix: prod/main
            endpoint: https://s3.example:9000
            forcePathStyle: true
            credentialsSecretRef: {name: s3-creds}
          fullSnapshotSchedule: "0 */1 * * *"
          deltaSnapshotPeriod: 20s
          garbageCollection: {policy: LimitBased, maxBackups: 7, period: 5m}
          encryption: {keySecretRef: {name: backup-key}}
          tokenSecretRef: {name: backup-token}
      """;

  static final String TASK =
      """
      apiVersion: cairn.dev/v1alpha1
      kind: EtcdOpsTask
      metadata: {name: restore-1, namespace: prod}
      spec:
        etcdRef: {name: main}
        type: Restore
        restore: {snapshotName: main-full-00000000-00001234}
      """;

  static final String SNAPSHOT =
      """
      apiVersion: cairn.dev/v1alpha1
      kind: EtcdSnapshot
      metadata: {name: prod.main.full-00000000-00001234}
      spec:
        etcdRef: {namespace: prod, name: main}
        kind: Full
        location: s3://etcd-backups/prod/main/Full-00000000-00001234
        startRevision: 0
        endRevision: 1234
        sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      """;

  /** A create: {@code patch} on {@code base}. */
  static Arguments create(String title, String base, String patch, String path, String rule, String message) {
    return Arguments.of(title, base, null, patch, path, rule, message);
  }

  /** An update from {@code base + oldPatch} to {@code base + patch}. */
  static Arguments update(
      String title, String base, String oldPatch, String patch, String path, String rule, String message) {
    return Arguments.of(title, base, oldPatch, patch, path, rule, message);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // ---- Etcd: ranges and enums
        create("replicas above 9", ETCD, "{spec: {replicas: 10}}", "spec.replicas", "maximum", ""),
        create("negative replicas", ETCD, "{spec: {replicas: -1}}", "spec.replicas", "minimum", ""),
        create("unknown update strategy", ETCD, "{spec: {updateStrategy: {type: RollingUpdate}}}",
            "spec.updateStrategy.type", "enum", ""),
        create("unknown compression", ETCD, "{spec: {backup: {compression: Lz4}}}", "spec.backup.compression", "enum", ""),
        create("unknown store provider", ETCD, "{spec: {backup: {store: {provider: GCS}}}}",
            "spec.backup.store.provider", "enum", ""),
        create("unknown metrics level", ETCD, "{spec: {etcd: {metricsLevel: debug}}}", "spec.etcd.metricsLevel", "enum", ""),
        create("unknown compaction mode", ETCD, "{spec: {etcd: {autoCompaction: {mode: hourly}}}}",
            "spec.etcd.autoCompaction.mode", "enum", ""),
        create("unknown volume deletion policy", ETCD, "{spec: {deletionPolicy: {volumes: Orphan}}}",
            "spec.deletionPolicy.volumes", "enum", ""),
        create("heartbeat below 10ms", ETCD, "{spec: {etcd: {heartbeatIntervalMillis: 5}}}",
            "spec.etcd.heartbeatIntervalMillis", "minimum", ""),
        create("election timeout above etcd's maximum", ETCD,
            "{spec: {etcd: {electionTimeoutMillis: 60000}}}", "spec.etcd.electionTimeoutMillis", "maximum", ""),
        create("snapshot count zero", ETCD, "{spec: {etcd: {snapshotCount: 0}}}", "spec.etcd.snapshotCount", "minimum", ""),
        create("port out of range", ETCD, "{spec: {agent: {port: 70000}}}", "spec.agent.port", "maximum", ""),
        create("maxBackups zero", ETCD, "{spec: {backup: {garbageCollection: {maxBackups: 0}}}}",
            "spec.backup.garbageCollection.maxBackups", "minimum", ""),
        // ---- Etcd: quantities
        create("negative capacity string", ETCD, "{spec: {storage: {capacity: -10Gi}}}",
            "spec.storage.capacity", "cel", "storage.capacity must be a positive quantity"),
        create("negative capacity integer", ETCD, "{spec: {storage: {capacity: -5}}}",
            "spec.storage.capacity", "cel", "storage.capacity must be a positive quantity"),
        create("quota with a unit Kubernetes does not know", ETCD, "{spec: {etcd: {quotaBackendBytes: 8GB}}}",
            "spec.etcd.quotaBackendBytes", "cel", "must be a positive quantity"),
        create("zero delta memory limit as integer", ETCD, "{spec: {backup: {deltaSnapshotMemoryLimit: 0}}}",
            "spec.backup.deltaSnapshotMemoryLimit", "cel", "must be a positive quantity"),
        create("zero delta memory limit", ETCD, "{spec: {backup: {deltaSnapshotMemoryLimit: '0'}}}",
            "spec.backup.deltaSnapshotMemoryLimit", "cel", "must be a positive quantity"),
        // ---- Etcd: cron and durations
        create("cron in words", ETCD, "{spec: {backup: {fullSnapshotSchedule: every hour}}}",
            "spec.backup.fullSnapshotSchedule", "pattern", ""),
        create("cron with four fields", ETCD, "{spec: {backup: {fullSnapshotSchedule: '0 */1 * *'}}}",
            "spec.backup.fullSnapshotSchedule", "pattern", ""),
        create("cron minute 61", ETCD, "{spec: {backup: {fullSnapshotSchedule: '61 * * * *'}}}",
            "spec.backup.fullSnapshotSchedule", "pattern", ""),
        create("cron with seconds field", ETCD, "{spec: {backup: {fullSnapshotSchedule: '0 0 */1 * * *'}}}",
            "spec.backup.fullSnapshotSchedule", "pattern", ""),
        create("duration without unit", ETCD, "{spec: {backup: {deltaSnapshotPeriod: '20'}}}",
            "spec.backup.deltaSnapshotPeriod", "pattern", ""),
        create("duration in days", ETCD, "{spec: {backup: {deltaSnapshotPeriod: 1d}}}",
            "spec.backup.deltaSnapshotPeriod", "pattern", ""),
        create("negative duration", ETCD, "{spec: {recovery: {quorumLossGracePeriod: -5m}}}",
            "spec.recovery.quorumLossGracePeriod", "pattern", ""),
        create("bad GC delta retention", ETCD, "{spec: {backup: {garbageCollection: {deltaRetention: 3 days}}}}",
            "spec.backup.garbageCollection.deltaRetention", "pattern", ""),
        create("delta period below 1s", ETCD, "{spec: {backup: {deltaSnapshotPeriod: 500ms}}}",
            "spec.backup.deltaSnapshotPeriod", "cel", "at least 1s"),
        create("delta period not shorter than GC period", ETCD,
            "{spec: {backup: {deltaSnapshotPeriod: 10m, garbageCollection: {period: 5m}}}}",
            "spec.backup.deltaSnapshotPeriod", "cel", "must be shorter than backup.garbageCollection.period"),
        create("delta period equal to the default GC period", ETCD,
            "{spec: {backup: {deltaSnapshotPeriod: 60s, garbageCollection: {period: null}}}}",
            "spec.backup.deltaSnapshotPeriod", "cel", "must be shorter than backup.garbageCollection.period"),
        create("quorum-loss grace period too short", ETCD, "{spec: {recovery: {quorumLossGracePeriod: 10s}}}",
            "spec.recovery.quorumLossGracePeriod", "cel", "at least 30s"),
        create("archive retention too short", ETCD, "{spec: {backup: {garbageCollection: {archiveRetention: 10m}}}}",
            "spec.backup.garbageCollection.archiveRetention", "cel", "at least 1h"),
        create("bad archive retention", ETCD, "{spec: {backup: {garbageCollection: {archiveRetention: 30 days}}}}",
            "spec.backup.garbageCollection.archiveRetention", "pattern", ""),
        // ---- Etcd: store
        create("S3 store without bucket", ETCD, "{spec: {backup: {store: {bucket: null}}}}",
            "spec.backup.store.bucket", "cel", "bucket is required when provider is S3"),
        create("Local store without path", ETCD,
            "{spec: {backup: {store: {provider: Local, bucket: null, endpoint: null, forcePathStyle: null,"
                + " credentialsSecretRef: null}}}}",
            "spec.backup.store.path", "cel", "path is required when provider is Local"),
        create("Local store with S3 settings", ETCD, "{spec: {backup: {store: {provider: Local, path: /backups}}}}",
            "spec.backup.store", "cel", "only for provider S3"),
        create("S3 store with a path", ETCD, "{spec: {backup: {store: {path: /backups}}}}",
            "spec.backup.store.path", "cel", "path is only for provider Local"),
        create("relative Local path", ETCD,
            "{spec: {backup: {store: {provider: Local, path: backups, bucket: null, endpoint: null,"
                + " forcePathStyle: null, credentialsSecretRef: null}}}}",
            "spec.backup.store.path", "pattern", ""),
        create("bucket name with capitals", ETCD, "{spec: {backup: {store: {bucket: Etcd_Backups}}}}",
            "spec.backup.store.bucket", "pattern", ""),
        create("endpoint without scheme", ETCD, "{spec: {backup: {store: {endpoint: 's3.example:9000'}}}}",
            "spec.backup.store.endpoint", "pattern", ""),
        create("prefix with leading slash", ETCD, "{spec: {backup: {store: {prefix: /prod/main}}}}",
            "spec.backup.store.prefix", "pattern", ""),
        create("store without provider", ETCD, "{spec: {backup: {store: {provider: null}}}}",
            "spec.backup.store.provider", "required", ""),
        create("backup without store", ETCD, "{spec: {backup: {store: null}}}", "spec.backup.store", "required", ""),
        create("encryption without key", ETCD, "{spec: {backup: {encryption: {keySecretRef: null}}}}",
            "spec.backup.encryption.keySecretRef", "required", ""),
        create("Secret name that is not a DNS name", ETCD, "{spec: {backup: {tokenSecretRef: {name: Bad_Name}}}}",
            "spec.backup.tokenSecretRef.name", "pattern", ""),
        create("maxBackups with Exponential", ETCD, "{spec: {backup: {garbageCollection: {policy: Exponential}}}}",
            "spec.backup.garbageCollection.maxBackups", "cel", "only for policy LimitBased"),
        create("LimitBased without maxBackups", ETCD, "{spec: {backup: {garbageCollection: {maxBackups: null}}}}",
            "spec.backup.garbageCollection.maxBackups", "cel", "required for policy LimitBased"),
        // ---- Etcd: etcd flags and ports
        create("denylisted extra arg initial-cluster-state", ETCD,
            "{spec: {etcd: {extraArgs: {initial-cluster-state: existing}}}}",
            "spec.etcd.extraArgs", "cel", "may not set a flag the operator owns"),
        create("denylisted extra arg force-new-cluster", ETCD, "{spec: {etcd: {extraArgs: {force-new-cluster: 'true'}}}}",
            "spec.etcd.extraArgs", "cel", "may not set a flag the operator owns"),
        create("denylisted extra arg peer TLS", ETCD, "{spec: {etcd: {extraArgs: {peer-cert-file: /x.pem}}}}",
            "spec.etcd.extraArgs", "cel", "may not set a flag the operator owns"),
        create("extra arg with its own field", ETCD, "{spec: {etcd: {extraArgs: {quota-backend-bytes: '1'}}}}",
            "spec.etcd.extraArgs", "cel", "may not set a flag the operator owns"),
        create("extra arg with leading dashes", ETCD, "{spec: {etcd: {extraArgs: {--max-txn-ops: '256'}}}}",
            "spec.etcd.extraArgs", "cel", "without leading dashes"),
        create("more than 32 extra args", ETCD, "{spec: {etcd: {extraArgs: " + manyArgs(33) + "}}}",
            "spec.etcd.extraArgs", "maxProperties", ""),
        create("election timeout below 5x heartbeat", ETCD,
            "{spec: {etcd: {heartbeatIntervalMillis: 100, electionTimeoutMillis: 400}}}",
            "spec.etcd.electionTimeoutMillis", "cel", "at least 5 times"),
        create("election timeout below 5x the default heartbeat", ETCD,
            "{spec: {etcd: {heartbeatIntervalMillis: null, electionTimeoutMillis: 499}}}",
            "spec.etcd.electionTimeoutMillis", "cel", "at least 5 times"),
        create("client port equals peer port", ETCD, "{spec: {etcd: {clientPort: 2380}}}",
            "spec.etcd.peerPort", "cel", "must differ"),
        create("agent port equals client port", ETCD, "{spec: {agent: {port: 2379}}}",
            "spec.agent.port", "cel", "agent.port must differ"),
        create("image without version", ETCD, "{spec: {etcd: {image: 'registry.k8s.io/etcd:3.5.17-0', version: null}}}",
            "spec.etcd.version", "cel", "etcd.version is required when etcd.image is set"),
        create("two-part version", ETCD, "{spec: {etcd: {version: '3.5'}}}", "spec.etcd.version", "pattern", ""),
        create("revision compaction with a duration", ETCD,
            "{spec: {etcd: {autoCompaction: {mode: revision, retention: 30m}}}}",
            "spec.etcd.autoCompaction.retention", "cel", "whole number of revisions"),
        create("periodic compaction with garbage", ETCD,
            "{spec: {etcd: {autoCompaction: {retention: soon}}}}",
            "spec.etcd.autoCompaction.retention", "cel", "for mode periodic"),
        create("unknown field", ETCD, "{spec: {backup: {schedule: '0 * * * *'}}}",
            "spec.backup.schedule", "additionalProperties", ""),
        create("name too long for its Services", ETCD,
            "{metadata: {name: a-cluster-name-that-is-far-too-long-for-services-x}}", "", "cel", "at most 45 characters"),
        create("name starting with a digit", ETCD, "{metadata: {name: 1main}}", "", "cel", "starting with a letter"),
        // ---- Etcd: immutability (updates)
        update("storageClassName changed", ETCD, "{}", "{spec: {storage: {storageClassName: slow-hdd}}}",
            "spec.storage.storageClassName", "cel", "cannot be changed or removed once set"),
        update("storageClassName removed", ETCD, "{}", "{spec: {storage: {storageClassName: null}}}",
            "spec.storage.storageClassName", "cel", "cannot be changed or removed once set"),
        update("store prefix changed", ETCD, "{}", "{spec: {backup: {store: {prefix: prod/main2}}}}",
            "spec.backup.store.prefix", "cel", "prefix cannot be changed"),
        update("store prefix removed", ETCD, "{}", "{spec: {backup: {store: {prefix: null}}}}",
            "spec.backup.store.prefix", "cel", "prefix cannot be changed"),
        update("store prefix set later", ETCD, "{spec: {backup: {store: {prefix: null}}}}", "{}",
            "spec.backup.store.prefix", "cel", "prefix cannot be changed"),
        // ---- EtcdOpsTask
        create("unknown task type", TASK, "{spec: {type: Defragment, restore: null}}", "spec.type", "enum", ""),
        create("restore with snapshotName and revision", TASK, "{spec: {restore: {revision: 1200}}}",
            "spec.restore", "cel", "exactly one of snapshotName or revision"),
        create("restore with neither snapshotName nor revision", TASK, "{spec: {restore: {snapshotName: null}}}",
            "spec.restore", "cel", "exactly one of snapshotName or revision"),
        create("Restore task without restore settings", TASK, "{spec: {restore: null}}",
            "spec.restore", "cel", "type Restore needs restore"),
        create("Snapshot task with restore settings", TASK, "{spec: {type: Snapshot}}",
            "spec.restore", "cel", "restore is only allowed when type is Restore"),
        create("RecoverQuorum task with snapshot settings", TASK,
            "{spec: {type: RecoverQuorum, restore: null, snapshot: {kind: Full}}}",
            "spec.snapshot", "cel", "snapshot is only allowed when type is Snapshot"),
        create("Snapshot task with recoverQuorum settings", TASK,
            "{spec: {type: Snapshot, restore: null, recoverQuorum: {force: true}}}",
            "spec.recoverQuorum", "cel", "recoverQuorum is only allowed when type is RecoverQuorum"),
        create("final delta snapshot", TASK,
            "{spec: {type: Snapshot, restore: null, snapshot: {kind: Delta, final: true}}}",
            "spec.snapshot.final", "cel", "final needs kind Full"),
        create("unknown snapshot kind", TASK, "{spec: {type: Snapshot, restore: null, snapshot: {kind: Incremental}}}",
            "spec.snapshot.kind", "enum", ""),
        create("restore to revision 0", TASK, "{spec: {restore: {snapshotName: null, revision: 0}}}",
            "spec.restore.revision", "minimum", ""),
        create("negative TTL", TASK, "{spec: {ttlSecondsAfterFinished: -1}}", "spec.ttlSecondsAfterFinished", "minimum", ""),
        create("task without etcdRef", TASK, "{spec: {etcdRef: null}}", "spec.etcdRef", "required", ""),
        create("task without type", TASK, "{spec: {type: null, restore: null}}", "spec.type", "required", ""),
        update("task spec changed", TASK, "{}", "{spec: {restore: {snapshotName: main-full-00000000-00009999}}}",
            "spec", "cel", "spec is immutable"),
        update("task retargeted", TASK, "{}", "{spec: {etcdRef: {name: other}}}", "spec", "cel", "spec is immutable"),
        // ---- EtcdSnapshot
        create("snapshot end before start", SNAPSHOT, "{spec: {startRevision: 2000}}",
            "spec.endRevision", "cel", "must not be lower than startRevision"),
        create("snapshot location over http", SNAPSHOT, "{spec: {location: 'http://minio/b/k'}}",
            "spec.location", "pattern", ""),
        create("snapshot sha256 uppercase", SNAPSHOT,
            "{spec: {sha256: 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF}}",
            "spec.sha256", "pattern", ""),
        create("snapshot without kind", SNAPSHOT, "{spec: {kind: null}}", "spec.kind", "required", ""));
  }

  private static String manyArgs(int n) {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      out.append(i == 0 ? "" : ", ").append("flag-").append(i).append(": x");
    }
    return out.append('}').toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRejectedByExactlyTheExpectedRule(
      String title, String base, String oldPatch, String patch, String path, String rule, String message) {
    JsonNode baseDoc = CrdValidator.readYaml(base);
    CrdValidator validator = CrdValidator.forKind(baseDoc.path("kind").asText());
    assertTrue(validator.validate(baseDoc).valid(), () -> "the base document must be valid: " + validator.validate(baseDoc));
    JsonNode newDoc = MergePatch.apply(baseDoc, CrdValidator.readYaml(patch));
    JsonNode oldDoc = oldPatch == null ? null : MergePatch.apply(baseDoc, CrdValidator.readYaml(oldPatch));
    if (oldDoc != null) {
      assertTrue(validator.validate(oldDoc).valid(), () -> "the old document must be valid: " + validator.validate(oldDoc));
      assertTrue(validator.validate(newDoc).valid(),
          () -> "the new document must be valid as a create, so only the transition rule rejects the update: "
              + validator.validate(newDoc));
    }
    List<Violation> violations = validator.validateUpdate(oldDoc, newDoc).violations();
    assertEquals(1, violations.size(), () -> title + ": expected exactly one violation, got " + violations);
    Violation violation = violations.get(0);
    assertEquals(path, violation.path(), () -> title + ": " + violation);
    assertEquals(rule, violation.rule(), () -> title + ": " + violation);
    assertTrue(violation.message().contains(message), () -> title + ": message was " + violation.message());
  }
}
