package dev.cairn.controller.model;

import dev.cairn.api.Annotations;
import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.BackupStore;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdConfig;
import dev.cairn.api.v1alpha1.GarbageCollection;
import dev.cairn.api.v1alpha1.RetentionPolicy;
import dev.cairn.api.v1alpha1.SchedulingSpec;
import dev.cairn.api.v1alpha1.StoreProvider;
import dev.cairn.controller.OperatorConfig;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The member StatefulSet: two containers per pod ({@code etcd} running {@code cairn wrapper}, {@code
 * agent} running {@code cairn agent server}), one data volume per member, OnDelete updates (the operator
 * or the user decides when a member restarts), Parallel pod management (a new cluster's members must
 * start together to form quorum).
 */
public final class MemberStatefulSet {

  /** On the pod template: hash of the template itself, so outdated pods are found without the sts controller. */
  public static final String POD_SPEC_HASH = Annotations.PREFIX + "pod-spec-hash";
  /** On the StatefulSet while hibernated: the member count before hibernation, restored on wake-up. */
  public static final String HIBERNATED_REPLICAS = Annotations.PREFIX + "hibernated-replicas";

  public static final String ETCD_CONTAINER = "etcd";
  public static final String AGENT_CONTAINER = "agent";
  /** The launcher every cairn container starts with (local mode runs it as a process). */
  public static final String LAUNCHER = "cairn";
  /** Path of the readiness endpoint on the agent: the local etcd member answers and sees a leader. */
  public static final String READINESS_PATH = "/readyz";

  /** Env of both containers: the Etcd's name. */
  public static final String ENV_CLUSTER = "CAIRN_ETCD_NAME";
  /** Agent env: paths the agent needs that its command line has no flag for (yet). */
  public static final String ENV_DATA_DIR = "CAIRN_DATA_DIR";
  public static final String ENV_ETCD_CONFIG = "CAIRN_ETCD_CONFIG";
  public static final String ENV_AGENT_CONFIG = "CAIRN_AGENT_CONFIG";
  public static final String ENV_CLIENT_TLS_DIR = "CAIRN_CLIENT_TLS_DIR";
  public static final String ENV_PEER_TLS_DIR = "CAIRN_PEER_TLS_DIR";

  private static final String CONFIG_VOLUME = "config";
  private static final String SCRATCH_VOLUME = "scratch";
  private static final String RUN_VOLUME = "run";
  private static final String TMP_VOLUME = "tmp";
  private static final String CLIENT_TLS_VOLUME = "client-tls";
  private static final String PEER_TLS_VOLUME = "peer-tls";
  private static final String AGENT_TLS_VOLUME = "agent-tls";
  private static final String AGENT_API_VOLUME = "agent-api";
  private static final String STORE_CREDENTIALS_VOLUME = "store-credentials";
  private static final String STORE_CA_VOLUME = "store-ca";
  private static final String ENCRYPTION_VOLUME = "encryption-key";
  private static final String TOKEN_VOLUME = "backup-token";
  private static final String LOCAL_STORE_VOLUME = "backup-store";
  /**
   * The bootstrap directive of an EtcdOpsTask (RecoverQuorum, Restore): ConfigMap {@code <etcd>-bootstrap},
   * mounted optionally (it exists only while a task needs it) into the agent, which applies it at the
   * member's next start when it names this member.
   */
  private static final String BOOTSTRAP_VOLUME = "bootstrap";
  public static final String BOOTSTRAP_DIR = "/etc/cairn/bootstrap";
  public static final String BOOTSTRAP_KEY = "directive.json";

  private MemberStatefulSet() {}

  /**
   * The StatefulSet with {@code replicas} members. {@code hibernatedReplicas} (nullable) is recorded
   * while the cluster sleeps so that waking up restarts every member that holds data.
   */
  public static StatefulSet build(Etcd etcd, OperatorConfig cfg, int replicas, Integer hibernatedReplicas) {
    Map<String, String> annotations = new TreeMap<>();
    if (hibernatedReplicas != null) {
      annotations.put(HIBERNATED_REPLICAS, Integer.toString(hibernatedReplicas));
    }
    boolean deleteVolumes = etcd.getSpec().getDeletionPolicy() != null
        && etcd.getSpec().getDeletionPolicy().getVolumes() == RetentionPolicy.DELETE;
    return new StatefulSetBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.statefulSet(etcd), dev.cairn.api.Labels.COMPONENT_MEMBER))
        .editMetadata().withAnnotations(annotations.isEmpty() ? null : annotations).endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withServiceName(Names.peerService(etcd))
        .withPodManagementPolicy("Parallel")
        .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
        .withRevisionHistoryLimit(5)
        .withNewSelector().withMatchLabels(ManagedMetadata.memberSelector(etcd)).endSelector()
        .withNewPersistentVolumeClaimRetentionPolicy()
        .withWhenDeleted(deleteVolumes ? "Delete" : "Retain")
        .withWhenScaled("Retain")
        .endPersistentVolumeClaimRetentionPolicy()
        .withTemplate(podTemplate(etcd, cfg))
        .withVolumeClaimTemplates(dataVolumeClaimTemplate(etcd))
        .endSpec()
        .build();
  }

  /** The pod template with its checksum and self-hash annotations. */
  public static PodTemplateSpec podTemplate(Etcd etcd, OperatorConfig cfg) {
    Map<String, String> annotations = new TreeMap<>();
    annotations.put(Annotations.CONFIG_CHECKSUM, ConfigRenderer.checksum(etcd, cfg));
    PodTemplateSpec t = new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(ManagedMetadata.memberLabels(etcd))
        .withAnnotations(annotations)
        .endMetadata()
        .withSpec(podSpec(etcd, cfg))
        .build();
    // Hash last, over everything else: any change to the template changes it.
    t.getMetadata().getAnnotations().put(POD_SPEC_HASH, Hashes.ofObject(t));
    return t;
  }

  static PodSpec podSpec(Etcd etcd, OperatorConfig cfg) {
    SchedulingSpec s = etcd.getSpec().getScheduling();
    PodSpecBuilder b = new PodSpecBuilder()
        .withServiceAccountName(Names.rbac(etcd))
        .withAutomountServiceAccountToken(true)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(60L)
        .withSecurityContext(new PodSecurityContextBuilder()
            .withRunAsNonRoot(true)
            .withRunAsUser(cfg.runAsUser)
            .withRunAsGroup(cfg.fsGroup)
            .withFsGroup(cfg.fsGroup)
            .withFsGroupChangePolicy("OnRootMismatch")
            .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
            .build())
        .withContainers(etcdContainer(etcd, cfg), agentContainer(etcd, cfg))
        .withVolumes(volumes(etcd));
    boolean userPlacement = s != null && (s.getAffinity() != null
        || (s.getTopologySpreadConstraints() != null && !s.getTopologySpreadConstraints().isEmpty()));
    b.withAffinity(userPlacement ? s.getAffinity() : spreadAcrossNodes(etcd));
    if (s != null) {
      if (s.getTopologySpreadConstraints() != null && !s.getTopologySpreadConstraints().isEmpty()) {
        b.withTopologySpreadConstraints(s.getTopologySpreadConstraints());
      }
      b.withNodeSelector(s.getNodeSelector() == null || s.getNodeSelector().isEmpty() ? null : s.getNodeSelector());
      b.withTolerations(s.getTolerations() == null || s.getTolerations().isEmpty() ? null : s.getTolerations());
      b.withPriorityClassName(s.getPriorityClassName());
    }
    return b.build();
  }

  /** The default placement: members prefer different nodes, so one node failure costs one member. */
  static Affinity spreadAcrossNodes(Etcd etcd) {
    return new AffinityBuilder()
        .withNewPodAntiAffinity()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution()
        .withWeight(100)
        .withNewPodAffinityTerm()
        .withNewLabelSelector().withMatchLabels(ManagedMetadata.memberSelector(etcd)).endLabelSelector()
        .withTopologyKey("kubernetes.io/hostname")
        .endPodAffinityTerm()
        .endPreferredDuringSchedulingIgnoredDuringExecution()
        .endPodAntiAffinity()
        .build();
  }

  static Container etcdContainer(Etcd etcd, OperatorConfig cfg) {
    EtcdConfig e = etcd.getSpec().getEtcd();
    int agentPort = etcd.getSpec().getAgent().getPort();
    boolean agentTls = etcd.getSpec().getAgent().getTls() != null;
    List<String> args = new ArrayList<>();
    // $(POD_IP) / $(POD_NAME) are expanded from the container env by the kubelet (and by local mode's pod
    // runner). With agent TLS the wrapper dials the stable DNS name the agent's certificate covers (a pod
    // IP is not known when the certificate is issued) and trusts the agent Secret's CA.
    if (agentTls) {
      args.add("--agent-url=https://$(POD_NAME)." + Names.peerService(etcd) + "." + etcd.getMetadata().getNamespace()
          + ".svc:" + agentPort);
      args.add("--agent-ca=" + PodPaths.AGENT_TLS_DIR + "/" + SecretKeys.CA_CERT);
    } else {
      args.add("--agent-url=http://$(POD_IP):" + agentPort);
    }
    args.add("--agent-token-file=" + PodPaths.AGENT_API_DIR + "/" + AgentApiSecret.KEY);
    args.add("--data-dir=" + PodPaths.DATA_DIR);
    args.add("--config-file=" + PodPaths.RUN_DIR + "/etcd.conf.yaml");
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(mount(AGENT_API_VOLUME, PodPaths.AGENT_API_DIR, true));
    mounts.add(mount(Names.DATA_VOLUME, PodPaths.DATA_DIR, false));
    mounts.add(mount(CONFIG_VOLUME, PodPaths.CONFIG_DIR, true));
    mounts.add(mount(RUN_VOLUME, PodPaths.RUN_DIR, false));
    mounts.add(mount(TMP_VOLUME, PodPaths.TMP_DIR, false));
    if (e.getClientTLS() != null) {
      mounts.add(mount(CLIENT_TLS_VOLUME, PodPaths.CLIENT_TLS_DIR, true));
    }
    if (e.getPeerTLS() != null) {
      mounts.add(mount(PEER_TLS_VOLUME, PodPaths.PEER_TLS_DIR, true));
    }
    if (agentTls) {
      mounts.add(mount(AGENT_TLS_VOLUME, PodPaths.AGENT_TLS_DIR, true));
    }
    return new ContainerBuilder()
        .withName(ETCD_CONTAINER)
        .withImage(EtcdVersion.etcdImage(etcd, cfg))
        .withImagePullPolicy(cfg.imagePullPolicy)
        .withCommand(LAUNCHER, "wrapper")
        .withArgs(args)
        .withEnv(podEnv(etcd))
        .withPorts(
            new ContainerPortBuilder().withName("client").withContainerPort(e.getClientPort()).withProtocol("TCP").build(),
            new ContainerPortBuilder().withName("peer").withContainerPort(e.getPeerPort()).withProtocol("TCP").build())
        .withReadinessProbe(readiness(agentPort, agentTls))
        .withResources(e.getResources())
        .withSecurityContext(containerSecurity())
        .withVolumeMounts(mounts)
        .build();
  }

  /**
   * The agent: every setting the {@code cairn agent server} command line has is passed as its flag; the
   * rest (paths the agent needs for validation, restore and {@code /config}) as CAIRN_* env.
   */
  static Container agentContainer(Etcd etcd, OperatorConfig cfg) {
    EtcdConfig e = etcd.getSpec().getEtcd();
    BackupSpec backup = etcd.getSpec().getBackup();
    boolean agentTls = etcd.getSpec().getAgent().getTls() != null;
    List<String> args = new ArrayList<>();
    // With client TLS the member is dialled by the DNS name its certificate covers, else by the pod IP.
    args.add("--endpoints=" + (e.getClientTLS() != null
        ? "https://$(POD_NAME)." + Names.peerService(etcd) + "." + etcd.getMetadata().getNamespace() + ".svc:"
        : "http://$(POD_IP):") + e.getClientPort());
    args.add("--listen=$(POD_IP):" + etcd.getSpec().getAgent().getPort());
    args.add("--scratch-dir=" + PodPaths.SCRATCH_DIR);
    args.add("--full-snapshot-lease=" + Names.fullSnapshotLease(etcd));
    args.add("--delta-snapshot-lease=" + Names.deltaSnapshotLease(etcd));
    args.add("--api-token-file=" + PodPaths.AGENT_API_DIR + "/" + AgentApiSecret.KEY);
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(mount(AGENT_API_VOLUME, PodPaths.AGENT_API_DIR, true));
    mounts.add(mount(Names.DATA_VOLUME, PodPaths.DATA_DIR, false));
    mounts.add(mount(CONFIG_VOLUME, PodPaths.CONFIG_DIR, true));
    mounts.add(mount(SCRATCH_VOLUME, PodPaths.SCRATCH_DIR, false));
    mounts.add(mount(TMP_VOLUME, PodPaths.TMP_DIR, false));
    if (e.getClientTLS() != null) {
      mounts.add(mount(CLIENT_TLS_VOLUME, PodPaths.CLIENT_TLS_DIR, true));
    }
    if (e.getPeerTLS() != null) {
      mounts.add(mount(PEER_TLS_VOLUME, PodPaths.PEER_TLS_DIR, true));
    }
    if (agentTls) {
      args.add("--tls-cert=" + PodPaths.AGENT_TLS_DIR + "/" + SecretKeys.TLS_CERT);
      args.add("--tls-key=" + PodPaths.AGENT_TLS_DIR + "/" + SecretKeys.TLS_KEY);
      mounts.add(mount(AGENT_TLS_VOLUME, PodPaths.AGENT_TLS_DIR, true));
    }
    if (backup != null) {
      BackupStore st = backup.getStore();
      args.add("--store=" + storeUrl(etcd));
      if (st.getCredentialsSecretRef() != null) {
        args.add("--store-credentials-dir=" + PodPaths.STORE_CREDENTIALS_DIR);
        mounts.add(mount(STORE_CREDENTIALS_VOLUME, PodPaths.STORE_CREDENTIALS_DIR, true));
      }
      if (st.getCaSecretRef() != null) {
        mounts.add(mount(STORE_CA_VOLUME, PodPaths.STORE_CA_DIR, true));
      }
      if (st.getProvider() == StoreProvider.LOCAL) {
        mounts.add(mount(LOCAL_STORE_VOLUME, st.getPath(), false));
      }
      args.add("--full-schedule=" + backup.getFullSnapshotSchedule());
      args.add("--delta-period=" + backup.getDeltaSnapshotPeriod());
      args.add("--delta-memory-limit=" + backup.getDeltaSnapshotMemoryLimit().toString());
      args.add("--compression=" + backup.getCompression().value().toLowerCase(java.util.Locale.ROOT));
      GarbageCollection gc = backup.getGarbageCollection() == null ? new GarbageCollection() : backup.getGarbageCollection();
      args.add("--gc-policy=" + gc.getPolicy().value());
      if (gc.getMaxBackups() != null) {
        args.add("--max-backups=" + gc.getMaxBackups());
      }
      args.add("--gc-period=" + gc.getPeriod());
      if (gc.getDeltaRetention() != null) {
        args.add("--delta-retention=" + gc.getDeltaRetention());
      }
      if (gc.getArchiveRetention() != null) {
        args.add("--archive-retention=" + gc.getArchiveRetention());
      }
      if (backup.getEncryption() != null) {
        args.add("--encryption-key-file=" + PodPaths.ENCRYPTION_KEY_DIR + "/" + SecretKeys.ENCRYPTION_KEY);
        mounts.add(mount(ENCRYPTION_VOLUME, PodPaths.ENCRYPTION_KEY_DIR, true));
      }
      if (backup.getTokenSecretRef() != null) {
        args.add("--token-file=" + PodPaths.TOKEN_DIR + "/" + SecretKeys.TOKEN);
        mounts.add(mount(TOKEN_VOLUME, PodPaths.TOKEN_DIR, true));
      }
    }
    args.add("--bootstrap-directive=" + BOOTSTRAP_DIR + "/" + BOOTSTRAP_KEY);
    mounts.add(mount(BOOTSTRAP_VOLUME, BOOTSTRAP_DIR, true));
    List<EnvVar> env = new ArrayList<>(podEnv(etcd));
    env.add(value(ENV_DATA_DIR, PodPaths.DATA_DIR));
    env.add(value(ENV_ETCD_CONFIG, PodPaths.CONFIG_DIR + "/" + ConfigRenderer.ETCD_CONFIG_KEY));
    env.add(value(ENV_AGENT_CONFIG, PodPaths.CONFIG_DIR + "/" + ConfigRenderer.AGENT_CONFIG_KEY));
    if (e.getClientTLS() != null) {
      env.add(value(ENV_CLIENT_TLS_DIR, PodPaths.CLIENT_TLS_DIR));
    }
    if (e.getPeerTLS() != null) {
      env.add(value(ENV_PEER_TLS_DIR, PodPaths.PEER_TLS_DIR));
    }
    return new ContainerBuilder()
        .withName(AGENT_CONTAINER)
        .withImage(EtcdVersion.agentImage(etcd, cfg))
        .withImagePullPolicy(cfg.imagePullPolicy)
        .withCommand(LAUNCHER, "agent", "server")
        .withArgs(args)
        .withEnv(env)
        .withPorts(new ContainerPortBuilder()
            .withName("agent").withContainerPort(etcd.getSpec().getAgent().getPort()).withProtocol("TCP").build())
        .withResources(etcd.getSpec().getAgent().getResources())
        .withSecurityContext(containerSecurity())
        .withVolumeMounts(mounts)
        .build();
  }

  /**
   * The store as the agent's {@code --store} URL: {@code s3://bucket/prefix?endpoint=&region=&pathStyle=&ca=}
   * or {@code file:///path/prefix}. The prefix defaults to {@code <namespace>/<name>}.
   */
  public static String storeUrl(Etcd etcd) {
    BackupStore st = etcd.getSpec().getBackup().getStore();
    String prefix = st.getPrefix() != null
        ? st.getPrefix()
        : etcd.getMetadata().getNamespace() + "/" + etcd.getMetadata().getName();
    if (st.getProvider() == StoreProvider.LOCAL) {
      String base = st.getPath().endsWith("/") ? st.getPath() : st.getPath() + "/";
      return "file://" + base + prefix;
    }
    Map<String, String> q = new LinkedHashMap<>();
    if (st.getEndpoint() != null) {
      q.put("endpoint", st.getEndpoint());
    }
    if (st.getRegion() != null) {
      q.put("region", st.getRegion());
    }
    if (st.getForcePathStyle() != null) {
      q.put("pathStyle", st.getForcePathStyle().toString());
    }
    if (st.getCaSecretRef() != null) {
      q.put("ca", PodPaths.STORE_CA_DIR + "/" + SecretKeys.CA_CERT);
    }
    StringBuilder url = new StringBuilder("s3://").append(st.getBucket()).append('/').append(prefix);
    char sep = '?';
    for (Map.Entry<String, String> x : q.entrySet()) {
      url.append(sep).append(x.getKey()).append('=').append(queryValue(x.getValue()));
      sep = '&';
    }
    return url.toString();
  }

  // Readable URLs for the usual values; anything the agent's decoder would misread is percent-encoded.
  private static String queryValue(String v) {
    return v.matches("^[A-Za-z0-9:/._~-]*$") ? v : URLEncoder.encode(v, StandardCharsets.UTF_8);
  }

  /** The data volume each member gets, from spec.storage. */
  public static PersistentVolumeClaim dataVolumeClaimTemplate(Etcd etcd) {
    Quantity capacity = etcd.getSpec().getStorage().getCapacity();
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(Names.DATA_VOLUME).withLabels(ManagedMetadata.memberLabels(etcd)).endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(etcd.getSpec().getStorage().getStorageClassName())
        .withNewResources().withRequests(Map.of("storage", capacity)).endResources()
        .endSpec()
        .build();
  }

  static List<EnvVar> podEnv(Etcd etcd) {
    return List.of(
        field("POD_NAME", "metadata.name"),
        field("POD_NAMESPACE", "metadata.namespace"),
        // Programs bind and dial this address, never 0.0.0.0 or localhost: local pods share one host.
        field("POD_IP", "status.podIP"),
        value(ENV_CLUSTER, etcd.getMetadata().getName()));
  }

  private static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static EnvVar field(String name, String path) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef()
        .withApiVersion("v1").withFieldPath(path).endFieldRef().endValueFrom().build();
  }

  static Probe readiness(int agentPort, boolean tls) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(READINESS_PATH)
        .withPort(new IntOrString(agentPort))
        .withScheme(tls ? "HTTPS" : "HTTP")
        .endHttpGet()
        .withInitialDelaySeconds(5)
        .withPeriodSeconds(5)
        .withTimeoutSeconds(3)
        .withSuccessThreshold(1)
        .withFailureThreshold(3)
        .build();
  }

  static SecurityContext containerSecurity() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withPrivileged(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }

  static List<Volume> volumes(Etcd etcd) {
    EtcdConfig e = etcd.getSpec().getEtcd();
    BackupSpec backup = etcd.getSpec().getBackup();
    List<Volume> v = new ArrayList<>();
    v.add(new VolumeBuilder().withName(CONFIG_VOLUME)
        .withNewConfigMap().withName(Names.configMap(etcd)).withDefaultMode(0444).endConfigMap().build());
    v.add(emptyDir(SCRATCH_VOLUME));
    v.add(emptyDir(RUN_VOLUME));
    v.add(emptyDir(TMP_VOLUME));
    v.add(new VolumeBuilder().withName(BOOTSTRAP_VOLUME).withNewConfigMap().withName(Names.bootstrapConfigMap(etcd))
        .withOptional(true).withDefaultMode(0444).endConfigMap().build());
    v.add(secret(AGENT_API_VOLUME, Names.agentApiSecret(etcd)));
    if (e.getClientTLS() != null) {
      v.add(secret(CLIENT_TLS_VOLUME, e.getClientTLS().getSecretRef().getName()));
    }
    if (e.getPeerTLS() != null) {
      v.add(secret(PEER_TLS_VOLUME, e.getPeerTLS().getSecretRef().getName()));
    }
    if (etcd.getSpec().getAgent().getTls() != null) {
      v.add(secret(AGENT_TLS_VOLUME, etcd.getSpec().getAgent().getTls().getSecretRef().getName()));
    }
    if (backup != null) {
      BackupStore st = backup.getStore();
      if (st.getCredentialsSecretRef() != null) {
        v.add(secret(STORE_CREDENTIALS_VOLUME, st.getCredentialsSecretRef().getName()));
      }
      if (st.getCaSecretRef() != null) {
        v.add(secret(STORE_CA_VOLUME, st.getCaSecretRef().getName()));
      }
      if (st.getProvider() == StoreProvider.LOCAL) {
        v.add(new VolumeBuilder().withName(LOCAL_STORE_VOLUME)
            .withNewHostPath().withPath(st.getPath()).withType("DirectoryOrCreate").endHostPath().build());
      }
      if (backup.getEncryption() != null) {
        v.add(secret(ENCRYPTION_VOLUME, backup.getEncryption().getKeySecretRef().getName()));
      }
      if (backup.getTokenSecretRef() != null) {
        v.add(secret(TOKEN_VOLUME, backup.getTokenSecretRef().getName()));
      }
    }
    return v;
  }

  private static Volume emptyDir(String name) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
  }

  // Group-readable (fsGroup), nobody else: the files are keys and credentials.
  private static Volume secret(String name, String secretName) {
    return new VolumeBuilder().withName(name)
        .withNewSecret().withSecretName(secretName).withDefaultMode(0440).endSecret().build();
  }

  private static VolumeMount mount(String volume, String path, boolean readOnly) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly ? true : null).build();
  }
}
