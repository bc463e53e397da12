package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** How each etcd member is run: image, tuning, ports, resources and TLS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.electionTimeoutMillis) || !has(self.heartbeatIntervalMillis)"
        + " || self.electionTimeoutMillis >= 5 * self.heartbeatIntervalMillis",
    message = "etcd.electionTimeoutMillis must be at least 5 times etcd.heartbeatIntervalMillis (etcd refuses to"
        + " start otherwise)",
    fieldPath = ".electionTimeoutMillis")
@ValidationRule(
    value = "!has(self.clientPort) || !has(self.peerPort) || self.clientPort != self.peerPort",
    message = "etcd.clientPort and etcd.peerPort must differ",
    fieldPath = ".peerPort")
@ValidationRule(
    value = "!has(self.image) || has(self.version)",
    message = "etcd.version is required when etcd.image is set: the operator picks the restore tool and flags by"
        + " version",
    fieldPath = ".version")
public class EtcdConfig {

  /** Flags the operator renders itself; extraArgs may not set them. Keep in sync with the CEL rule below. */
  public static final List<String> OPERATOR_OWNED_FLAGS =
      List.of(
          "name", "data-dir", "wal-dir", "initial-cluster", "initial-cluster-state", "initial-cluster-token",
          "initial-advertise-peer-urls", "advertise-client-urls", "listen-client-urls", "listen-peer-urls",
          "listen-metrics-urls", "force-new-cluster", "discovery", "discovery-srv", "discovery-fallback",
          "discovery-proxy", "config-file", "client-cert-auth", "cert-file", "key-file", "trusted-ca-file",
          "auto-tls", "client-crl-file", "peer-client-cert-auth", "peer-cert-file", "peer-key-file",
          "peer-trusted-ca-file", "peer-auto-tls", "peer-crl-file", "peer-cert-allowed-cn",
          "quota-backend-bytes", "snapshot-count", "auto-compaction-mode", "auto-compaction-retention",
          "heartbeat-interval", "election-timeout", "metrics");

  @Size(max = 512)
  @JsonPropertyDescription(
      "Container image with the etcd binary, such as registry.k8s.io/etcd:3.5.17-0. Unset: the operator's"
          + " default image for version (or its default version).")
  private String image;

  @Pattern(Patterns.ETCD_VERSION)
  @Size(max = 32)
  @JsonPropertyDescription(
      "etcd version the image contains, such as 3.5.17. Required with image: it decides which restore tool"
          + " (etcdutl or etcdctl) and flags the operator uses. Unset with image unset: the operator's default.")
  private String version;

  @Default("8Gi")
  @ValidationRule(value = Patterns.POSITIVE_QUANTITY_RULE, message = "etcd.quotaBackendBytes must be a positive quantity such as 8Gi")
  @JsonPropertyDescription(
      "Backend database size quota (etcd --quota-backend-bytes). When the database reaches it etcd raises a"
          + " NOSPACE alarm and accepts only reads and deletes. etcd recommends at most 8Gi.")
  private Quantity quotaBackendBytes = new Quantity("8Gi");

  @Default("75000")
  @Min(1)
  @JsonPropertyDescription(
      "Number of committed transactions between two Raft snapshots on disk (etcd --snapshot-count). Lower"
          + " keeps less WAL and memory, higher snapshots less often.")
  private Long snapshotCount = 75000L;

  @JsonPropertyDescription(
      "Automatic compaction of old revisions. Unset: periodic with a retention of 30m. Keep the retention longer"
          + " than backup.deltaSnapshotPeriod, or delta snapshots miss compacted revisions.")
  private AutoCompaction autoCompaction;

  @Default("100")
  @Min(10)
  @Max(10000)
  @JsonPropertyDescription(
      "Raft heartbeat interval in milliseconds (etcd --heartbeat-interval). Roughly the round-trip time between"
          + " members.")
  private Integer heartbeatIntervalMillis = 100;

  @Default("1000")
  @Min(50)
  @Max(50000)
  @JsonPropertyDescription(
      "Raft election timeout in milliseconds (etcd --election-timeout). At least 5 times the heartbeat interval;"
          + " etcd recommends 10 times. etcd's maximum is 50000.")
  private Integer electionTimeoutMillis = 1000;

  @Default("2379")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port for client traffic, on each member and on the client Service.")
  private Integer clientPort = 2379;

  @Default("2380")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port for traffic between members, on each member and on the headless peer Service.")
  private Integer peerPort = 2380;

  @JsonPropertyDescription(
      "CPU and memory for the etcd container. Set a memory request close to the expected use: etcd keeps its"
          + " index in memory and maps the database file.")
  private ResourceRequirements resources;

  @Default("basic")
  @JsonPropertyDescription("How many metrics etcd exports (etcd --metrics): basic or extensive.")
  private MetricsLevel metricsLevel = MetricsLevel.BASIC;

  @Size(max = 32)
  @ValidationRule(
      value = "self.all(k, !(k in ["
          + "'name', 'data-dir', 'wal-dir', 'initial-cluster', 'initial-cluster-state', 'initial-cluster-token',"
          + " 'initial-advertise-peer-urls', 'advertise-client-urls', 'listen-client-urls', 'listen-peer-urls',"
          + " 'listen-metrics-urls', 'force-new-cluster', 'discovery', 'discovery-srv', 'discovery-fallback',"
          + " 'discovery-proxy', 'config-file', 'client-cert-auth', 'cert-file', 'key-file', 'trusted-ca-file',"
          + " 'auto-tls', 'client-crl-file', 'peer-client-cert-auth', 'peer-cert-file', 'peer-key-file',"
          + " 'peer-trusted-ca-file', 'peer-auto-tls', 'peer-crl-file', 'peer-cert-allowed-cn',"
          + " 'quota-backend-bytes', 'snapshot-count', 'auto-compaction-mode', 'auto-compaction-retention',"
          + " 'heartbeat-interval', 'election-timeout', 'metrics']))",
      message = "etcd.extraArgs may not set a flag the operator owns (identity, cluster membership, URLs, data"
          + " directories, TLS, force-new-cluster, and flags that have their own field in spec.etcd)")
  // Map keys cannot carry maxLength, so rules on them use only operations whose CEL cost does not grow
  // with the key: startsWith (costs the prefix) and membership in a constant list (costs the list).
  @ValidationRule(
      value = "self.all(k, !k.startsWith('-'))",
      message = "etcd.extraArgs keys are etcd flag names without leading dashes, such as max-request-bytes")
  @JsonPropertyDescription(
      "Further etcd flags, name without leading dashes to value, such as {\"max-request-bytes\": \"2097152\"}."
          + " Flags the operator owns are refused; so are flags that have their own field here.")
  private Map<String, String> extraArgs;

  @JsonPropertyDescription(
      "TLS for client traffic. Unset: clients connect over plain HTTP. When set, clients must present a"
          + " certificate signed by ca.crt.")
  private TlsConfig clientTLS;

  @JsonPropertyDescription("TLS for traffic between members. Unset: members talk over plain HTTP.")
  private TlsConfig peerTLS;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public Quantity getQuotaBackendBytes() {
    return quotaBackendBytes;
  }

  public void setQuotaBackendBytes(Quantity quotaBackendBytes) {
    this.quotaBackendBytes = quotaBackendBytes;
  }

  public Long getSnapshotCount() {
    return snapshotCount;
  }

  public void setSnapshotCount(Long snapshotCount) {
    this.snapshotCount = snapshotCount;
  }

  public AutoCompaction getAutoCompaction() {
    return autoCompaction;
  }

  public void setAutoCompaction(AutoCompaction autoCompaction) {
    this.autoCompaction = autoCompaction;
  }

  public Integer getHeartbeatIntervalMillis() {
    return heartbeatIntervalMillis;
  }

  public void setHeartbeatIntervalMillis(Integer heartbeatIntervalMillis) {
    this.heartbeatIntervalMillis = heartbeatIntervalMillis;
  }

  public Integer getElectionTimeoutMillis() {
    return electionTimeoutMillis;
  }

  public void setElectionTimeoutMillis(Integer electionTimeoutMillis) {
    this.electionTimeoutMillis = electionTimeoutMillis;
  }

  public Integer getClientPort() {
    return clientPort;
  }

  public void setClientPort(Integer clientPort) {
    this.clientPort = clientPort;
  }

  public Integer getPeerPort() {
    return peerPort;
  }

  public void setPeerPort(Integer peerPort) {
    this.peerPort = peerPort;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public MetricsLevel getMetricsLevel() {
    return metricsLevel;
  }

  public void setMetricsLevel(MetricsLevel metricsLevel) {
    this.metricsLevel = metricsLevel;
  }

  public Map<String, String> getExtraArgs() {
    return extraArgs;
  }

  public void setExtraArgs(Map<String, String> extraArgs) {
    this.extraArgs = extraArgs;
  }

  public TlsConfig getClientTLS() {
    return clientTLS;
  }

  public void setClientTLS(TlsConfig clientTLS) {
    this.clientTLS = clientTLS;
  }

  public TlsConfig getPeerTLS() {
    return peerTLS;
  }

  public void setPeerTLS(TlsConfig peerTLS) {
    this.peerTLS = peerTLS;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdConfig that = (EtcdConfig) o;
    return Objects.equals(image, that.image) && Objects.equals(version, that.version) && Objects.equals(quotaBackendBytes, that.quotaBackendBytes) && Objects.equals(snapshotCount, that.snapshotCount) && Objects.equals(autoCompaction, that.autoCompaction) && Objects.equals(heartbeatIntervalMillis, that.heartbeatIntervalMillis) && Objects.equals(electionTimeoutMillis, that.electionTimeoutMillis) && Objects.equals(clientPort, that.clientPort) && Objects.equals(peerPort, that.peerPort) && Objects.equals(resources, that.resources) && Objects.equals(metricsLevel, that.metricsLevel) && Objects.equals(extraArgs, that.extraArgs) && Objects.equals(clientTLS, that.clientTLS) && Objects.equals(peerTLS, that.peerTLS);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, version, quotaBackendBytes, snapshotCount, autoCompaction, heartbeatIntervalMillis, electionTimeoutMillis, clientPort, peerPort, resources, metricsLevel, extraArgs, clientTLS, peerTLS);
  }

  @Override
  public String toString() {
    return "EtcdConfig{image=" + image + ", version=" + version + ", quotaBackendBytes=" + quotaBackendBytes + ", snapshotCount=" + snapshotCount + ", autoCompaction=" + autoCompaction + ", heartbeatIntervalMillis=" + heartbeatIntervalMillis + ", electionTimeoutMillis=" + electionTimeoutMillis + ", clientPort=" + clientPort + ", peerPort=" + peerPort + ", resources=" + resources + ", metricsLevel=" + metricsLevel + ", extraArgs=" + extraArgs + ", clientTLS=" + clientTLS + ", peerTLS=" + peerTLS + "}";
  }
}
