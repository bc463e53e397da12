package dev.cairn.e2e;

import dev.cairn.testkit.Await;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.MemberState;
import dev.cairn.api.v1alpha1.MemberStatus;
import dev.cairn.local.LocalCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** One Etcd on the shared local cluster: its spec, and the waits and reads the scenarios need. */
final class EtcdUnderTest {

  static final String NS = LocalCluster.NAMESPACE;

  final String name;
  final LocalE2e.Shared shared;
  final KubernetesClient client;

  EtcdUnderTest(LocalE2e.Shared shared, String name) {
    this.shared = shared;
    this.name = name;
    this.client = shared.local.client();
  }

  /**
   * The spec the scenarios use: backups to the local S3 store under the Etcd's name, a delta every
   * 2 s, a full snapshot every minute, automatic recovery off (the tests create their tasks).
   */
  String yaml(int replicas) {
    return """
        apiVersion: cairn.dev/v1alpha1
        kind: Etcd
        metadata:
          name: %s
          namespace: %s
        spec:
          replicas: %d
          etcd:
            quotaBackendBytes: 256Mi
          storage:
            capacity: 1Gi
          backup:
            store:
              provider: S3
              endpoint: %s
              bucket: %s
              forcePathStyle: true
              region: us-east-1
              prefix: e2e/%s
              credentialsSecretRef: {name: %s}
            tokenSecretRef: {name: %s-token}
            fullSnapshotSchedule: "* * * * *"
            deltaSnapshotPeriod: 2s
            garbageCollection:
              policy: LimitBased
              maxBackups: 20
              period: 1m
          recovery:
            automatic: false
            quorumLossGracePeriod: 30s
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: %s-token
          namespace: %s
        type: Opaque
        data:
          token: %s
        """.formatted(name, NS, replicas, shared.local.s3().endpoint(), dev.cairn.local.LocalS3.BUCKET, name,
        dev.cairn.local.LocalS3.SECRET_NAME, name, name, NS,
        java.util.Base64.getEncoder().encodeToString(("e2e-token-" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Creates the Etcd (and its token Secret) with {@code replicas} members. */
  void create(int replicas) throws java.io.IOException {
    Path file = Files.writeString(shared.scratch.resolve(name + ".yaml"), yaml(replicas));
    shared.local.apply(file);
  }

  Etcd get() {
    return client.resources(Etcd.class).inNamespace(NS).withName(name).get();
  }

  /**
   * A JSON merge patch of the Etcd, as {@code kubectl patch --type=merge} sends it. (Fabric8's edit
   * sends a JSON patch computed from the Java object, whose field defaults the stored object, never
   * defaulted by this API server, may lack: "replace" of a missing field fails.)
   */
  void mergePatch(String json) {
    client.resources(Etcd.class).inNamespace(NS).withName(name)
        .patch(new io.fabric8.kubernetes.client.dsl.base.PatchContext.Builder()
            .withPatchType(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE).build(), json);
  }

  void replicas(int n) {
    mergePatch("{\"spec\":{\"replicas\":" + n + "}}");
  }

  Optional<Condition> condition(String type) {
    Etcd e = get();
    if (e == null || e.getStatus() == null || e.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return e.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  boolean conditionIs(String type, String status, String reason) {
    return condition(type).map(c -> status.equals(c.getStatus()) && (reason == null || reason.equals(c.getReason())))
        .orElse(false);
  }

  /** Pod name of member {@code ordinal}. */
  String pod(int ordinal) {
    return name + "-" + ordinal;
  }

  String claim(int ordinal) {
    return "data-" + pod(ordinal);
  }

  Path volume(int ordinal) {
    return shared.local.podRunner().claimDirectory(NS, claim(ordinal));
  }

  List<Pod> pods() {
    return client.pods().inNamespace(NS).withLabel("app.kubernetes.io/instance", name).list().getItems().stream()
        .filter(p -> p.getMetadata().getName().matches(name + "-[0-9]+"))
        .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
  }

  /** Addresses of the member pods that have one (ready or not): where the background writer tries. */
  List<String> podIps() {
    List<String> ips = new ArrayList<>();
    for (Pod p : pods()) {
      if (p.getStatus() != null && p.getStatus().getPodIP() != null) {
        ips.add(p.getStatus().getPodIP());
      }
    }
    return ips;
  }

  String ip(int ordinal) {
    Pod p = client.pods().inNamespace(NS).withName(pod(ordinal)).get();
    if (p == null || p.getStatus() == null || p.getStatus().getPodIP() == null) {
      throw new IllegalStateException("pod " + pod(ordinal) + " has no address yet");
    }
    return p.getStatus().getPodIP();
  }

  /**
   * Waits until every one of {@code n} members is Ready in status (ready voting members, Ready and
   * AllMembersReady True), the pods are exactly ordinals 0..n-1 and each member's Lease was renewed.
   */
  void awaitReady(int n, Duration max) {
    Await.until(name + ": " + n + "/" + n + " members ready and voting (Ready and AllMembersReady True)", max, () -> {
      Etcd e = get();
      if (e == null || e.getStatus() == null || e.getStatus().getMembers() == null) {
        return false;
      }
      List<MemberStatus> members = e.getStatus().getMembers();
      return members.size() == n
          && members.stream().allMatch(m -> m.getStatus() == MemberState.READY && m.getRole() != MemberRole.LEARNER)
          && members.stream().filter(m -> m.getRole() == MemberRole.LEADER).count() == 1
          && Objects.equals(e.getStatus().getReadyReplicas(), n)
          && conditionIs("Ready", "True", "Quorate") && conditionIs("AllMembersReady", "True", null)
          && pods().size() == n;
    }, this::describe);
  }

  /**
   * Waits until Ready has been False with reason QuorumLost for {@code held} (by its
   * lastTransitionTime): RecoverQuorum refuses to act on a loss younger than the operator's
   * threshold, so that a member that is only restarting is not written off.
   */
  void awaitQuorumLostFor(Duration held, Duration max) {
    Await.until("Ready False with reason QuorumLost for " + held.toSeconds() + " s", max, () -> condition("Ready")
        .filter(c -> "False".equals(c.getStatus()) && "QuorumLost".equals(c.getReason()))
        .map(c -> java.time.Instant.parse(c.getLastTransitionTime()).plus(held).isBefore(java.time.Instant.now()))
        .orElse(false), this::describe);
  }

  /** The member that leads, by its status. */
  int leaderOrdinal() {
    return get().getStatus().getMembers().stream().filter(m -> m.getRole() == MemberRole.LEADER)
        .map(m -> Integer.parseInt(m.getName().substring(name.length() + 1))).findFirst()
        .orElseThrow(() -> new IllegalStateException(name + " reports no leader: " + describe()));
  }

  List<EtcdSnapshot> snapshots() {
    return client.resources(EtcdSnapshot.class).list().getItems().stream()
        .filter(s -> s.getSpec() != null && s.getSpec().getEtcdRef() != null && name.equals(s.getSpec().getEtcdRef().getName()))
        .toList();
  }

  /** Creates a task; returns its name. */
  String createTask(String taskName, String specYaml) {
    EtcdOpsTask t = Serialization.unmarshal("""
        apiVersion: cairn.dev/v1alpha1
        kind: EtcdOpsTask
        metadata: {name: %s, namespace: %s}
        spec:
          etcdRef: {name: %s}
        %s
        """.formatted(taskName, NS, name, specYaml.indent(2)), EtcdOpsTask.class);
    client.resources(EtcdOpsTask.class).inNamespace(NS).resource(t).create();
    return taskName;
  }

  EtcdOpsTask task(String taskName) {
    return client.resources(EtcdOpsTask.class).inNamespace(NS).withName(taskName).get();
  }

  /** Waits until the task reached {@code phase}; fails at once if it finished in another phase. */
  void awaitTask(String taskName, String phase, Duration max) {
    Await.until("task " + taskName + " in phase " + phase, max, () -> {
      EtcdOpsTask t = task(taskName);
      String p = t == null || t.getStatus() == null || t.getStatus().getPhase() == null ? null : t.getStatus().getPhase().toString();
      if (p != null && !p.equals(phase) && List.of("Succeeded", "Failed", "Rejected").contains(p)) {
        throw new AssertionError("task " + taskName + " ended " + p + " instead of " + phase + ": " + describeTask(taskName));
      }
      return phase.equals(p);
    }, () -> describeTask(taskName) + "; " + describe());
  }

  String describeTask(String taskName) {
    EtcdOpsTask t = task(taskName);
    if (t == null || t.getStatus() == null) {
      return "task " + taskName + ": " + (t == null ? "absent" : "no status");
    }
    String steps = t.getStatus().getSteps() == null ? "" : t.getStatus().getSteps().stream()
        .map(s -> s.getName() + "=" + s.getState() + (s.getMessage() == null ? "" : " (" + s.getMessage() + ")"))
        .collect(Collectors.joining("; "));
    String cond = t.getStatus().getConditions() == null ? "" : t.getStatus().getConditions().stream()
        .map(c -> c.getType() + "=" + c.getStatus() + " " + c.getReason() + ": " + c.getMessage()).collect(Collectors.joining("; "));
    return "task " + taskName + " " + t.getStatus().getPhase() + " steps [" + steps + "] " + cond;
  }

  /** The whole status in one line, for failure messages. */
  String describe() {
    Etcd e = get();
    if (e == null) {
      return "Etcd " + name + " absent";
    }
    StringBuilder sb = new StringBuilder("Etcd " + name);
    if (e.getStatus() != null) {
      if (e.getStatus().getConditions() != null) {
        sb.append(" conditions ").append(e.getStatus().getConditions().stream()
            .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason()).collect(Collectors.joining(",")));
      }
      if (e.getStatus().getMembers() != null) {
        sb.append(" members ").append(e.getStatus().getMembers().stream()
            .map(m -> m.getName() + ":" + m.getRole() + "/" + m.getStatus() + (m.getReason() == null ? "" : "/" + m.getReason()))
            .collect(Collectors.joining(",")));
      }
      sb.append(" readyReplicas ").append(e.getStatus().getReadyReplicas());
      if (e.getStatus().getLastErrors() != null && !e.getStatus().getLastErrors().isEmpty()) {
        sb.append(" lastErrors ").append(e.getStatus().getLastErrors());
      }
      if (e.getStatus().getReconcileSuspendedBy() != null) {
        sb.append(" suspendedBy ").append(e.getStatus().getReconcileSuspendedBy().getTaskName());
      }
    }
    sb.append(" pods ").append(pods().stream().map(p -> p.getMetadata().getName() + ":"
        + (p.getStatus() == null ? "?" : p.getStatus().getPhase() + "/" + (ready(p) ? "ready" : "notready")))
        .collect(Collectors.joining(",")));
    return sb.toString();
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && "Running".equals(p.getStatus().getPhase()) && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The keyspace under {@code prefix}, read from the first member that answers. */
  Map<String, String> keyspace(String prefix) {
    RuntimeException last = null;
    for (String ip : podIps()) {
      try {
        return Kv.prefix(ip, prefix);
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw new IllegalStateException("no member of " + name + " answered a read of " + prefix, last);
  }
}
