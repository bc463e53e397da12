package dev.cairn.controller;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The operator's own settings (from {@code cairn operator} flags), as opposed to an Etcd's spec. The
 * builders read the image and security defaults from here; the reconciler reads thresholds and timing.
 * Immutable; {@link #defaults()} is what the command line starts from.
 */
public final class OperatorConfig {

  /** The etcd version used when an Etcd sets neither {@code etcd.version} nor {@code etcd.image}. */
  public final String defaultEtcdVersion;
  /**
   * Image of the etcd container when the spec sets none; {@code {version}} is replaced by the etcd
   * version without a leading v. The image must contain both etcd and the {@code cairn} launcher.
   */
  public final String etcdImageTemplate;
  /** Image of the agent container when {@code spec.agent.image} is unset. */
  public final String agentImage;
  /** imagePullPolicy of both containers; null leaves Kubernetes' default. */
  public final String imagePullPolicy;
  /** UID, GID and fsGroup the member pods run as (non-root). */
  public final long runAsUser;
  public final long fsGroup;

  /** Apply spec changes as soon as they are seen (GitOps). Off: only with cairn.dev/operation=reconcile. */
  public final boolean autoReconcile;
  /** A member whose Lease was not renewed for this long is Unknown. */
  public final Duration memberUnknownAfter;
  /** A member whose Lease was not renewed for this long is NotReady. */
  public final Duration memberNotReadyAfter;
  /** How long after a scheduled time a full snapshot may still be missing before BackupReady turns False. */
  public final Duration fullSnapshotGrace;
  /** Next look while something is changing (members joining, a restart in progress). */
  public final Duration requeueWhileChanging;
  /** Next look in steady state: Lease expiry and backup age are judged on this beat. */
  public final Duration requeueSteady;
  /** Safety net: every Etcd is reconciled at least this often even without events. */
  public final Duration maxReconcileInterval;
  /** Namespaces to watch; empty: all namespaces. */
  public final Set<String> namespaces;
  /** Reconciles running at the same time (different Etcds). */
  public final int reconcileThreads;
  /** The finalizer the operator puts on every Etcd. */
  public final String finalizer;
  /** Timeout of one final-snapshot request to an agent before hibernation. */
  public final Duration finalSnapshotTimeout;

  private OperatorConfig(Builder b) {
    this.defaultEtcdVersion = b.defaultEtcdVersion;
    this.etcdImageTemplate = b.etcdImageTemplate;
    this.agentImage = b.agentImage;
    this.imagePullPolicy = b.imagePullPolicy;
    this.runAsUser = b.runAsUser;
    this.fsGroup = b.fsGroup;
    this.autoReconcile = b.autoReconcile;
    this.memberUnknownAfter = b.memberUnknownAfter;
    this.memberNotReadyAfter = b.memberNotReadyAfter;
    this.fullSnapshotGrace = b.fullSnapshotGrace;
    this.requeueWhileChanging = b.requeueWhileChanging;
    this.requeueSteady = b.requeueSteady;
    this.maxReconcileInterval = b.maxReconcileInterval;
    this.namespaces = Set.copyOf(b.namespaces);
    this.reconcileThreads = b.reconcileThreads;
    this.finalizer = b.finalizer;
    this.finalSnapshotTimeout = b.finalSnapshotTimeout;
  }

  public static OperatorConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.defaultEtcdVersion = defaultEtcdVersion;
    b.etcdImageTemplate = etcdImageTemplate;
    b.agentImage = agentImage;
    b.imagePullPolicy = imagePullPolicy;
    b.runAsUser = runAsUser;
    b.fsGroup = fsGroup;
    b.autoReconcile = autoReconcile;
    b.memberUnknownAfter = memberUnknownAfter;
    b.memberNotReadyAfter = memberNotReadyAfter;
    b.fullSnapshotGrace = fullSnapshotGrace;
    b.requeueWhileChanging = requeueWhileChanging;
    b.requeueSteady = requeueSteady;
    b.maxReconcileInterval = maxReconcileInterval;
    b.namespaces = namespaces;
    b.reconcileThreads = reconcileThreads;
    b.finalizer = finalizer;
    b.finalSnapshotTimeout = finalSnapshotTimeout;
    return b;
  }

  /** The etcd image for a version (without a leading v). */
  public String etcdImageFor(String version) {
    return etcdImageTemplate.replace("{version}", version);
  }

  /** Mutable builder; {@link #build()} checks the combination. */
  public static final class Builder {
    private String defaultEtcdVersion = "3.5.17";
    private String etcdImageTemplate = "ghcr.io/cairn-dev/cairn-etcd:v{version}";
    private String agentImage = "ghcr.io/cairn-dev/cairn:latest";
    private String imagePullPolicy;
    private long runAsUser = 65532;
    private long fsGroup = 65532;
    private boolean autoReconcile = true;
    private Duration memberUnknownAfter = Duration.ofSeconds(60);
    private Duration memberNotReadyAfter = Duration.ofMinutes(5);
    private Duration fullSnapshotGrace = Duration.ofMinutes(10);
    private Duration requeueWhileChanging = Duration.ofSeconds(5);
    private Duration requeueSteady = Duration.ofSeconds(30);
    private Duration maxReconcileInterval = Duration.ofMinutes(10);
    private Set<String> namespaces = Set.of();
    private int reconcileThreads = 20;
    private String finalizer = "cairn.dev/finalizer";
    private Duration finalSnapshotTimeout = Duration.ofMinutes(30);

    public Builder defaultEtcdVersion(String v) {
      this.defaultEtcdVersion = v.startsWith("v") ? v.substring(1) : v;
      return this;
    }

    public Builder etcdImageTemplate(String v) {
      this.etcdImageTemplate = v;
      return this;
    }

    public Builder agentImage(String v) {
      this.agentImage = v;
      return this;
    }

    public Builder imagePullPolicy(String v) {
      this.imagePullPolicy = v;
      return this;
    }

    public Builder runAsUser(long v) {
      this.runAsUser = v;
      return this;
    }

    public Builder fsGroup(long v) {
      this.fsGroup = v;
      return this;
    }

    public Builder autoReconcile(boolean v) {
      this.autoReconcile = v;
      return this;
    }

    public Builder memberUnknownAfter(Duration v) {
      this.memberUnknownAfter = v;
      return this;
    }

    public Builder memberNotReadyAfter(Duration v) {
      this.memberNotReadyAfter = v;
      return this;
    }

    public Builder fullSnapshotGrace(Duration v) {
      this.fullSnapshotGrace = v;
      return this;
    }

    public Builder requeueWhileChanging(Duration v) {
      this.requeueWhileChanging = v;
      return this;
    }

    public Builder requeueSteady(Duration v) {
      this.requeueSteady = v;
      return this;
    }

    public Builder maxReconcileInterval(Duration v) {
      this.maxReconcileInterval = v;
      return this;
    }

    public Builder namespaces(Set<String> v) {
      this.namespaces = v;
      return this;
    }

    public Builder reconcileThreads(int v) {
      this.reconcileThreads = v;
      return this;
    }

    public Builder finalizer(String v) {
      this.finalizer = v;
      return this;
    }

    public Builder finalSnapshotTimeout(Duration v) {
      this.finalSnapshotTimeout = v;
      return this;
    }

    public OperatorConfig build() {
      Objects.requireNonNull(defaultEtcdVersion, "defaultEtcdVersion");
      if (!defaultEtcdVersion.matches("^3[.][0-9]+[.][0-9]+$")) {
        throw new IllegalArgumentException(
            "default etcd version '" + defaultEtcdVersion + "' is not a 3.x.y version such as 3.5.17");
      }
      if (agentImage == null || agentImage.isBlank()) {
        throw new IllegalArgumentException("the default agent image is empty: give one such as ghcr.io/cairn-dev/cairn:0.1.0");
      }
      if (etcdImageTemplate == null || etcdImageTemplate.isBlank()) {
        throw new IllegalArgumentException(
            "the etcd image template is empty: give one such as ghcr.io/cairn-dev/cairn-etcd:v{version}");
      }
      if (memberNotReadyAfter.compareTo(memberUnknownAfter) < 0) {
        throw new IllegalArgumentException("member NotReady threshold " + memberNotReadyAfter
            + " must not be shorter than the Unknown threshold " + memberUnknownAfter);
      }
      if (requeueSteady.compareTo(memberUnknownAfter) > 0) {
        throw new IllegalArgumentException("steady requeue " + requeueSteady
            + " must not exceed the member Unknown threshold " + memberUnknownAfter
            + ", or expired Leases would go unnoticed");
      }
      if (reconcileThreads < 1) {
        throw new IllegalArgumentException("reconcile threads must be at least 1, got " + reconcileThreads);
      }
      return new OperatorConfig(this);
    }
  }
}
