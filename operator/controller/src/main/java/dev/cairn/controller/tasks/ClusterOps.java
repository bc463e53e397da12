package dev.cairn.controller.tasks;

import dev.cairn.api.Labels;
import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.ReconcileSuspension;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.catalog.JsonPatches;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.model.ClusterLeases;
import dev.cairn.controller.model.ConfigRenderer;
import dev.cairn.controller.model.ManagedMetadata;
import dev.cairn.controller.model.MemberConfigMap;
import dev.cairn.controller.model.Names;
import dev.cairn.controller.reconcile.WriteListener;
import dev.cairn.controller.status.Times;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The cluster operations the task steps are made of. Each reads the object fresh from the API server and
 * writes only when it differs from what the step wants, so running it again (a resumed task) is
 * harmless. Writes carry the resourceVersion that was read; a conflict surfaces as an exception and the
 * step is simply run again on the next pass.
 */
final class ClusterOps {

  private final KubernetesClient client;
  private final OperatorConfig cfg;
  private final WriteListener writes;

  ClusterOps(KubernetesClient client, OperatorConfig cfg, WriteListener writes) {
    this.client = client;
    this.cfg = cfg;
    this.writes = writes;
  }

  Etcd etcd(String ns, String name) {
    return client.resources(Etcd.class).inNamespace(ns).withName(name).get();
  }

  // ---- suspension of the Etcd reconciler (status.reconcileSuspendedBy) ----

  static String suspendedBy(Etcd etcd) {
    ReconcileSuspension s = etcd.getStatus() == null ? null : etcd.getStatus().getReconcileSuspendedBy();
    return s == null ? null : s.getTaskName();
  }

  /** Records the suspension in the Etcd's status; the user's spec is not touched. */
  void suspend(Etcd etcd, EtcdOpsTask task, Instant now) {
    ReconcileSuspension s = new ReconcileSuspension();
    s.setTaskName(task.getMetadata().getName());
    s.setSince(Times.format(now));
    String patch;
    if (etcd.getStatus() == null) {
      dev.cairn.api.v1alpha1.EtcdStatus st = new dev.cairn.api.v1alpha1.EtcdStatus();
      st.setReconcileSuspendedBy(s);
      patch = JsonPatches.status(null, st);
    } else {
      patch = "[{\"op\":\"add\",\"path\":\"/status/reconcileSuspendedBy\",\"value\":"
          + io.fabric8.kubernetes.client.utils.Serialization.asJson(s) + "}]";
    }
    statusPatch(etcd, patch);
  }

  /** Clears the suspension if (and only if) this task holds it. */
  void resume(Etcd etcd, String taskName) {
    if (!taskName.equals(suspendedBy(etcd))) {
      return;
    }
    statusPatch(etcd, "[{\"op\":\"test\",\"path\":\"/status/reconcileSuspendedBy/taskName\",\"value\":"
        + quote(taskName) + "},{\"op\":\"remove\",\"path\":\"/status/reconcileSuspendedBy\"}]");
  }

  /** Forgets the learned cluster ID: a restore from the store starts a new cluster, whose ID is learned again. */
  void forgetClusterId(Etcd etcd) {
    if (etcd.getStatus() == null || etcd.getStatus().getClusterID() == null) {
      return;
    }
    statusPatch(etcd, "[{\"op\":\"test\",\"path\":\"/status/clusterID\",\"value\":"
        + quote(etcd.getStatus().getClusterID()) + "},{\"op\":\"remove\",\"path\":\"/status/clusterID\"}]");
  }

  private void statusPatch(Etcd etcd, String patch) {
    client.resources(Etcd.class).inNamespace(etcd.getMetadata().getNamespace()).withName(etcd.getMetadata().getName())
        .subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
    writes.wrote("Etcd", "patch-status");
  }

  // ---- members ----

  StatefulSet statefulSet(Etcd etcd) {
    return client.apps().statefulSets().inNamespace(etcd.getMetadata().getNamespace()).withName(Names.statefulSet(etcd))
        .get();
  }

  /** Sets the StatefulSet's replicas; returns false when there is no StatefulSet. */
  boolean scale(Etcd etcd, int replicas) {
    StatefulSet sts = statefulSet(etcd);
    if (sts == null) {
      return false;
    }
    if (!Objects.equals(sts.getSpec().getReplicas(), replicas)) {
      StatefulSet changed = new StatefulSetBuilder(sts).editSpec().withReplicas(replicas).endSpec().build();
      client.resource(changed).update();
      writes.wrote("StatefulSet", "update");
    }
    return true;
  }

  /** The member pods of the Etcd by ordinal. */
  Map<Integer, Pod> pods(Etcd etcd) {
    Map<Integer, Pod> out = new TreeMap<>();
    for (Pod p : client.pods().inNamespace(etcd.getMetadata().getNamespace())
        .withLabels(ManagedMetadata.memberSelector(etcd)).list().getItems()) {
      OptionalInt o = Names.ordinal(etcd.getMetadata().getName(), p.getMetadata().getName());
      if (o.isPresent()) {
        out.put(o.getAsInt(), p);
      }
    }
    return out;
  }

  static boolean ready(Pod p) {
    return p != null && p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Deletes the data volumes of every member but {@code keep}; returns the names still present (terminating). */
  List<String> deleteVolumesExcept(Etcd etcd, int keep) {
    List<String> left = new ArrayList<>();
    String prefix = Names.DATA_VOLUME + "-" + etcd.getMetadata().getName() + "-";
    for (PersistentVolumeClaim c : client.persistentVolumeClaims().inNamespace(etcd.getMetadata().getNamespace())
        .withLabels(ManagedMetadata.memberSelector(etcd)).list().getItems()) {
      String n = c.getMetadata().getName();
      if (!n.startsWith(prefix) || n.equals(Names.dataVolumeClaim(etcd, keep))) {
        continue;
      }
      OptionalInt o = Names.ordinal(etcd.getMetadata().getName(), n.substring(Names.DATA_VOLUME.length() + 1));
      if (o.isEmpty()) {
        continue;
      }
      left.add(n);
      if (c.getMetadata().getDeletionTimestamp() == null) {
        client.resource(c).delete();
        writes.wrote("PersistentVolumeClaim", "delete");
      }
    }
    return left;
  }

  /** The ordinals of the member data volumes (PVCs) that exist, terminating or not. */
  java.util.Set<Integer> volumeOrdinals(Etcd etcd) {
    java.util.Set<Integer> out = new java.util.TreeSet<>();
    String prefix = Names.DATA_VOLUME + "-";
    for (PersistentVolumeClaim c : client.persistentVolumeClaims().inNamespace(etcd.getMetadata().getNamespace())
        .withLabels(ManagedMetadata.memberSelector(etcd)).list().getItems()) {
      String n = c.getMetadata().getName();
      if (n.startsWith(prefix)) {
        Names.ordinal(etcd.getMetadata().getName(), n.substring(prefix.length())).ifPresent(out::add);
      }
    }
    return out;
  }

  /** The member Leases of the Etcd, by name. */
  Map<String, Lease> memberLeases(Etcd etcd) {
    Map<String, Lease> out = new TreeMap<>();
    for (Lease l : client.leases().inNamespace(etcd.getMetadata().getNamespace())
        .withLabels(ManagedMetadata.labels(etcd, Labels.COMPONENT_LEASE)).list().getItems()) {
      if (Names.ordinal(etcd.getMetadata().getName(), l.getMetadata().getName()).isPresent()) {
        out.put(l.getMetadata().getName(), l);
      }
    }
    return out;
  }

  /**
   * Deletes every member Lease but a fresh (empty) one for {@code keep}: old holder identities (IDs,
   * cluster, roles of the lost cluster) must not count for the new one. Runs while no member pod
   * exists, so an empty Lease of {@code keep} can only be the one made here by an earlier run.
   */
  void resetMemberLeases(Etcd etcd, int keep) {
    String keepName = Names.memberLease(etcd, keep);
    boolean fresh = false;
    for (Lease l : memberLeases(etcd).values()) {
      boolean mine = l.getMetadata().getName().equals(keepName);
      boolean empty = l.getSpec() == null || l.getSpec().getHolderIdentity() == null;
      if (mine && empty) {
        fresh = true;
        continue;
      }
      client.resource(l).delete();
      writes.wrote("Lease", "delete");
    }
    if (!fresh) {
      // The Etcd reconciler, which creates Leases, is suspended: the member's agent needs one to report.
      try {
        client.resource(ClusterLeases.member(etcd, keep)).create();
        writes.wrote("Lease", "create");
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  /**
   * Rewrites {@code initial-cluster} in the member ConfigMap to the one member that starts first, so no
   * other member can form a cluster of its own from an empty volume.
   */
  void initialClusterOf(Etcd etcd, int member) {
    ConfigMap want = MemberConfigMap.build(etcd, cfg, member + 1);
    String yaml = want.getData().get(ConfigRenderer.ETCD_CONFIG_KEY);
    String entry = null;
    for (String line : yaml.split("\n")) {
      if (line.startsWith("initial-cluster:")) {
        String v = line.substring("initial-cluster:".length()).trim();
        if (v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1);
        }
        String[] members = v.split(",");
        entry = members[members.length - 1];
      }
    }
    if (entry == null) {
      throw new IllegalStateException("the rendered etcd configuration has no initial-cluster line");
    }
    StringBuilder out = new StringBuilder();
    for (String line : yaml.split("\n", -1)) {
      out.append(line.startsWith("initial-cluster:") ? "initial-cluster: \"" + entry + "\"" : line);
      out.append('\n');
    }
    String text = out.substring(0, out.length() - 1);
    ConfigMap actual = client.configMaps().inNamespace(etcd.getMetadata().getNamespace())
        .withName(Names.configMap(etcd)).get();
    if (actual == null) {
      want.getData().put(ConfigRenderer.ETCD_CONFIG_KEY, text);
      client.resource(want).create();
      writes.wrote("ConfigMap", "create");
    } else if (!text.equals(actual.getData() == null ? null : actual.getData().get(ConfigRenderer.ETCD_CONFIG_KEY))) {
      ConfigMap changed = new ConfigMapBuilder(actual).addToData(ConfigRenderer.ETCD_CONFIG_KEY, text).build();
      client.resource(changed).update();
      writes.wrote("ConfigMap", "update");
    }
  }

  /** The member list initial-cluster names in the member ConfigMap, for messages and tests. */
  String initialCluster(Etcd etcd) {
    ConfigMap cm = client.configMaps().inNamespace(etcd.getMetadata().getNamespace()).withName(Names.configMap(etcd)).get();
    if (cm == null || cm.getData() == null || cm.getData().get(ConfigRenderer.ETCD_CONFIG_KEY) == null) {
      return null;
    }
    for (String line : cm.getData().get(ConfigRenderer.ETCD_CONFIG_KEY).split("\n")) {
      if (line.startsWith("initial-cluster:")) {
        return line.substring("initial-cluster:".length()).trim().replace("\"", "");
      }
    }
    return null;
  }

  // ---- the bootstrap directive ----

  void writeDirective(Etcd etcd, BootstrapDirective d) {
    ConfigMap want = d.configMap(etcd);
    ConfigMap actual = client.configMaps().inNamespace(etcd.getMetadata().getNamespace())
        .withName(want.getMetadata().getName()).get();
    if (actual == null) {
      client.resource(want).create();
      writes.wrote("ConfigMap", "create");
    } else if (!Objects.equals(actual.getData(), want.getData())) {
      client.resource(new ConfigMapBuilder(actual).withData(want.getData()).build()).update();
      writes.wrote("ConfigMap", "update");
    }
  }

  ConfigMap directive(Etcd etcd) {
    return client.configMaps().inNamespace(etcd.getMetadata().getNamespace()).withName(Names.bootstrapConfigMap(etcd))
        .get();
  }

  void deleteDirective(Etcd etcd) {
    ConfigMap cm = directive(etcd);
    if (cm != null) {
      client.resource(cm).delete();
      writes.wrote("ConfigMap", "delete");
    }
  }

  // ---- agents ----

  /**
   * How the operator reaches member {@code ordinal}'s agent, as the Etcd reconciler does: the pod IP
   * when known and the agent runs plain HTTP (local mode has no cluster DNS), else the stable DNS name
   * its certificate covers.
   */
  AgentClient.Target agentTarget(Etcd etcd, int ordinal, Pod pod) {
    boolean tls = etcd.getSpec().getAgent().getTls() != null;
    String ip = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    String host = !tls && ip != null && !ip.isBlank() ? ip : Names.peerHost(etcd, ordinal);
    URI url = URI.create((tls ? "https" : "http") + "://" + host + ":" + etcd.getSpec().getAgent().getPort());
    byte[] ca = null;
    if (tls) {
      Secret s = client.secrets().inNamespace(etcd.getMetadata().getNamespace())
          .withName(etcd.getSpec().getAgent().getTls().getSecretRef().getName()).get();
      ca = s == null ? null : dev.cairn.controller.model.SecretValues.bytes(s, SecretKeys.CA_CERT);
    }
    String token = dev.cairn.controller.model.AgentApiSecret.token(
        client.secrets().inNamespace(etcd.getMetadata().getNamespace()).withName(Names.agentApiSecret(etcd)).get());
    return new AgentClient.Target(url, ca, token);
  }

  Secret secret(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }

  private static String quote(String s) {
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(s);
  }
}
