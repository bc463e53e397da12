package dev.cairn.controller.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cairn.api.v1alpha1.AutoCompaction;
import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdConfig;
import dev.cairn.api.v1alpha1.GarbageCollection;
import dev.cairn.controller.OperatorConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Renders the member configuration ConfigMap: the cluster-wide etcd config-file template and the agent
 * configuration. Member-specific etcd values (name, URLs, data dir, initial-cluster-state, TLS file
 * paths) are filled in by the agent's {@code /config}. No file path appears here (see {@link PodPaths}).
 */
public final class ConfigRenderer {

  /** ConfigMap key of the etcd config-file template (etcd's YAML config-file keys). */
  public static final String ETCD_CONFIG_KEY = "etcd.yaml";
  /** ConfigMap key of the agent configuration. */
  public static final String AGENT_CONFIG_KEY = "agent.yaml";
  /** The etcd config key that changes with membership and therefore never rolls the pods. */
  static final String INITIAL_CLUSTER = "initial-cluster";

  private static final YAMLMapper YAML =
      new YAMLMapper(new YAMLFactory()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .disable(YAMLGenerator.Feature.SPLIT_LINES));
  private static final Pattern INTEGER = Pattern.compile("^-?[0-9]{1,18}$");

  private ConfigRenderer() {}

  /**
   * The etcd config template. {@code initial-cluster} lists members 0..{@code members}-1 by stable peer
   * DNS name; it matters only when the cluster forms for the first time (a member joining an existing
   * cluster uses the member list that its MemberAdd returned).
   */
  public static String etcdConfig(Etcd etcd, int members) {
    return yaml(etcdConfigMap(etcd, members));
  }

  static Map<String, Object> etcdConfigMap(Etcd etcd, int members) {
    EtcdConfig e = etcd.getSpec().getEtcd() == null ? new EtcdConfig() : etcd.getSpec().getEtcd();
    String peerScheme = e.getPeerTLS() != null ? "https" : "http";
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < members; i++) {
      if (i > 0) {
        initial.append(',');
      }
      initial.append(Names.pod(etcd, i)).append('=').append(peerScheme).append("://")
          .append(Names.peerHost(etcd, i)).append(':').append(e.getPeerPort());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(INITIAL_CLUSTER, initial.toString());
    m.put("initial-cluster-token", clusterToken(etcd));
    m.put("snapshot-count", e.getSnapshotCount());
    m.put("quota-backend-bytes", bytes(e.getQuotaBackendBytes()));
    AutoCompaction ac = e.getAutoCompaction();
    m.put("auto-compaction-mode", ac == null ? "periodic" : ac.getMode().value());
    m.put("auto-compaction-retention", ac == null ? "30m" : ac.getRetention());
    m.put("heartbeat-interval", e.getHeartbeatIntervalMillis());
    m.put("election-timeout", e.getElectionTimeoutMillis());
    m.put("metrics", e.getMetricsLevel().value());
    if (e.getClientTLS() != null) {
      m.put("client-transport-security", Map.of("client-cert-auth", true));
    }
    if (e.getPeerTLS() != null) {
      m.put("peer-transport-security", Map.of("client-cert-auth", true));
    }
    if (e.getExtraArgs() != null) {
      // Sorted, so the text (and the checksum) does not depend on map order.
      for (Map.Entry<String, String> x : new TreeMap<>(e.getExtraArgs()).entrySet()) {
        m.put(x.getKey(), scalar(x.getValue()));
      }
    }
    return m;
  }

  /**
   * The token that keeps this cluster's members from talking to another cluster's: bound to the Etcd's
   * UID, so a cluster re-created under the same name gets a different one.
   */
  public static String clusterToken(Etcd etcd) {
    String uid = etcd.getMetadata().getUid();
    String ns = etcd.getMetadata().getNamespace();
    return uid == null || uid.isBlank()
        ? "cairn-" + ns + "-" + etcd.getMetadata().getName()
        : "cairn-" + uid;
  }

  /**
   * The agent configuration (everything but paths, which come as flags). The member Lease is not named
   * here: it is the pod's name (env POD_NAME).
   */
  public static String agentConfig(Etcd etcd, OperatorConfig cfg) {
    return yaml(agentConfigMap(etcd, cfg));
  }

  static Map<String, Object> agentConfigMap(Etcd etcd, OperatorConfig cfg) {
    EtcdConfig e = etcd.getSpec().getEtcd() == null ? new EtcdConfig() : etcd.getSpec().getEtcd();
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> et = new LinkedHashMap<>();
    et.put("cluster", etcd.getMetadata().getName());
    et.put("version", EtcdVersion.text(etcd, cfg));
    et.put("clientPort", e.getClientPort());
    et.put("peerPort", e.getPeerPort());
    et.put("clientTLS", e.getClientTLS() != null);
    et.put("peerTLS", e.getPeerTLS() != null);
    et.put("peerService", Names.peerService(etcd));
    et.put("clientService", Names.clientService(etcd));
    m.put("etcd", et);
    Map<String, Object> ag = new LinkedHashMap<>();
    ag.put("port", etcd.getSpec().getAgent().getPort());
    ag.put("tls", etcd.getSpec().getAgent().getTls() != null);
    m.put("agent", ag);
    Map<String, Object> leases = new LinkedHashMap<>();
    leases.put("fullSnapshot", Names.fullSnapshotLease(etcd));
    leases.put("deltaSnapshot", Names.deltaSnapshotLease(etcd));
    m.put("leases", leases);
    BackupSpec b = etcd.getSpec().getBackup();
    if (b != null) {
      Map<String, Object> bk = new LinkedHashMap<>();
      bk.put("provider", b.getStore().getProvider().value());
      bk.put("fullSnapshotSchedule", b.getFullSnapshotSchedule());
      bk.put("deltaSnapshotPeriod", b.getDeltaSnapshotPeriod());
      bk.put("deltaSnapshotMemoryLimit", bytes(b.getDeltaSnapshotMemoryLimit()));
      bk.put("compression", b.getCompression().value());
      bk.put("encryption", b.getEncryption() != null);
      bk.put("token", b.getTokenSecretRef() != null);
      GarbageCollection gc = b.getGarbageCollection() == null ? new GarbageCollection() : b.getGarbageCollection();
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("policy", gc.getPolicy().value());
      g.put("period", gc.getPeriod());
      if (gc.getMaxBackups() != null) {
        g.put("maxBackups", gc.getMaxBackups());
      }
      if (gc.getDeltaRetention() != null) {
        g.put("deltaRetention", gc.getDeltaRetention());
      }
      bk.put("garbageCollection", g);
      m.put("backup", bk);
    }
    return m;
  }

  /**
   * The checksum on the pod template: a change of any configuration value rolls the members, except
   * {@code initial-cluster}, which changes with every scale step and means nothing to a running member.
   */
  public static String checksum(Etcd etcd, OperatorConfig cfg) {
    Map<String, Object> e = etcdConfigMap(etcd, 0);
    e.remove(INITIAL_CLUSTER);
    return Hashes.sha256(yaml(e) + "\n---\n" + agentConfig(etcd, cfg), 32);
  }

  /** A quantity as a whole number of bytes. */
  public static long bytes(Quantity q) {
    return Quantity.getAmountInBytes(q).longValueExact();
  }

  // extraArgs are strings in the API; etcd's config file wants numbers and booleans unquoted.
  private static Object scalar(String v) {
    if (v == null) {
      return "";
    }
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    if (INTEGER.matcher(v).matches()) {
      return Long.parseLong(v);
    }
    return v;
  }

  private static String yaml(Map<String, Object> m) {
    try {
      return YAML.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render configuration: " + e.getMessage(), e);
    }
  }
}
