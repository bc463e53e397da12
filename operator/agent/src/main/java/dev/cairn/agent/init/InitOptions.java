package dev.cairn.agent.init;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.config.EtcdConfigTemplate;
import dev.cairn.agent.config.MemberSettings;
import dev.cairn.agent.membership.ClusterMembers;
import dev.cairn.agent.membership.EtcdGateway;
import dev.cairn.agent.membership.TlsDir;
import dev.cairn.agent.restore.ChainRestorer;
import dev.cairn.agent.restore.EtcdTools;
import dev.cairn.agent.restore.TokenPreflight;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.datadir.validation.VolumeIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The agent's initialisation settings ({@code cairn agent server} flags; the operator passes the
 * paths as CAIRN_* env). With a data dir and an etcd config template the agent serves {@code
 * /initialization/*} and {@code /config}; without them it only snapshots.
 *
 * @param agentConfig the operator's agent.yaml ({@code etcd:} ports, TLS switches, peer Service)
 * @param clientPort etcd's client port, null: agent.yaml, else 2379
 * @param peerPort etcd's peer port, null: agent.yaml, else 2380
 * @param clusterDomain appended to {@code <pod>.<peer-svc>.<ns>.svc} when set
 * @param probeGrace how long no other member may answer before this one acts alone
 * @param bootstrapDirective the controller's bootstrap directive file ({@code <etcd>-bootstrap} ConfigMap),
 *     null or absent: none
 */
public record InitOptions(Path dataDir, Path etcdConfigTemplate, Path agentConfig, Path clientTlsDir, Path peerTlsDir,
    String clusterName, Integer clientPort, Integer peerPort, String clusterDomain, Duration probeGrace,
    Duration retryInterval, Path bootstrapDirective) {

  public boolean enabled() {
    return dataDir != null && etcdConfigTemplate != null;
  }

  /** The member as the environment describes it (POD_NAME, POD_NAMESPACE, POD_IP, CAIRN_LOCAL_MODE). */
  public MemberSettings member(String memberName, Map<String, String> env) throws IOException {
    Map<String, Object> y = MemberSettings.readAgentYaml(agentConfig);
    String name = memberName != null && !memberName.isBlank() ? memberName : env.get("POD_NAME");
    String cluster = clusterName != null && !clusterName.isBlank() ? clusterName
        : String.valueOf(y.getOrDefault("cluster", env.getOrDefault("CAIRN_ETCD_NAME", "")));
    Object peerService = y.get("peerService");
    return new MemberSettings(name, env.getOrDefault("POD_NAMESPACE", ""), env.get("POD_IP"),
        "true".equalsIgnoreCase(env.get("CAIRN_LOCAL_MODE")), cluster,
        peerService == null ? (cluster.isBlank() ? "" : cluster + "-peer") : peerService.toString(), clusterDomain,
        clientPort != null ? clientPort : ((Number) y.getOrDefault("clientPort", 2379)).intValue(),
        peerPort != null ? peerPort : ((Number) y.getOrDefault("peerPort", 2380)).intValue(), dataDir, clientTlsDir,
        peerTlsDir);
  }

  /** Builds the initialiser; the restore tools are looked up only when a restore runs. */
  public Initializer build(AgentConfig cfg, BackupStore store, Map<String, String> env) throws IOException {
    MemberSettings m = member(cfg.memberName, env);
    EtcdConfigTemplate template = EtcdConfigTemplate.read(etcdConfigTemplate);
    VolumeIdentity identity = new VolumeIdentity(blankToNull(m.namespace()), blankToNull(m.cluster()), m.podName(),
        template.clusterToken());
    EtcdGateway gateway = new EtcdGateway(clientTlsDir == null ? null : TlsDir.clientContext(clientTlsDir),
        Duration.ofSeconds(3));
    EncryptionKey key = cfg.encryptionKeyFile == null ? null : EncryptionKey.fromFile(cfg.encryptionKeyFile);
    long quota = Math.max(template.quotaBackendBytes(), ChainRestorer.Settings.DEFAULT_QUOTA);
    Path scratch = cfg.scratchDir.resolve("restore");
    java.util.function.Function<Boolean, ChainRestorer> restorers = store == null ? null : allow -> {
      try {
        return new ChainRestorer(store, new ChainRestorer.Settings(scratch, key,
            TokenPreflight.fromFile(cfg.tokenFile, allow), EtcdTools.find(env), m.podIp(), quota, 4,
            Duration.ofHours(2)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
    return new Initializer(new Initializer.Settings(m, etcdConfigTemplate, identity, probeGrace, retryInterval,
        Duration.ofSeconds(2), bootstrapDirective), store, restorers, new ClusterMembers(gateway));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
