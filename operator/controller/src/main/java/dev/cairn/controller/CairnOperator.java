package dev.cairn.controller;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.etcd.EtcdAdmin;
import dev.cairn.controller.etcd.HttpAgentClient;
import dev.cairn.controller.etcd.JetcdEtcdAdmin;
import dev.cairn.controller.reconcile.EtcdReconciler;
import dev.cairn.controller.reconcile.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cairn operator in-process: JOSDK configured in this one place (server-side apply off, ADR 0001),
 * the Etcd reconciler registered, optional leader election through a Lease, Micrometer metrics and the
 * health endpoints. {@code cairn operator} builds one from flags; local mode and tests build one in
 * their own JVM:
 *
 * <pre>
 *   try (CairnOperator op = CairnOperator.builder(client).config(OperatorConfig.defaults()).build().start()) { ... }
 * </pre>
 */
public final class CairnOperator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CairnOperator.class);

  private final KubernetesClient client;
  private final OperatorConfig config;
  private final EtcdAdmin etcdAdmin;
  private final AgentClient agentClient;
  private final Clock clock;
  private final LeaderElection leaderElection;
  private final InetSocketAddress httpAddress;
  private final String identity;
  private final PrometheusMeterRegistry registry;
  private final OperatorMetrics metrics;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private Operator operator;
  private EtcdReconciler reconciler;
  private OperatorHttpServer http;
  private CompletableFuture<?> election;
  private long passesBefore;

  /**
   * Leader election through the Lease {@code namespace/name}; {@code exitOnLoss} ends the JVM when
   * deposed (the safe choice for a Deployment: a deposed leader must not go on reconciling).
   */
  public record LeaderElection(
      String leaseName, String leaseNamespace, boolean exitOnLoss, Duration leaseDuration, Duration renewDeadline,
      Duration retryPeriod) {

    /** With client-go's usual timing: 15 s lease, 10 s renew deadline, 2 s retry. */
    public LeaderElection(String leaseName, String leaseNamespace, boolean exitOnLoss) {
      this(leaseName, leaseNamespace, exitOnLoss, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

  private CairnOperator(Builder b) {
    this.client = b.client;
    this.config = b.config;
    this.etcdAdmin = b.etcdAdmin != null ? b.etcdAdmin : new JetcdEtcdAdmin();
    this.agentClient = b.agentClient != null ? b.agentClient : new HttpAgentClient();
    this.clock = b.clock;
    this.leaderElection = b.leaderElection;
    this.httpAddress = b.httpAddress;
    this.identity = b.identity;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    this.metrics = new OperatorMetrics(registry);
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** The one place JOSDK is configured. */
  private void configure(ConfigurationServiceOverrider o) {
    o.withKubernetesClient(client)
        // ADR 0001: the test API server has no server-side apply, so production does not use it either.
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withCloseClientOnStop(false)
        .checkingCRDAndValidateLocalModel(false)
        .withConcurrentReconciliationThreads(config.reconcileThreads)
        .withReconciliationTerminationTimeout(Duration.ofSeconds(30))
        .withMetrics(metrics);
  }

  private void configure(ControllerConfigurationOverrider<Etcd> c) {
    c.withFinalizer(config.finalizer)
        // Annotations (suspend, operation) do not bump the generation, so generation-aware filtering would
        // miss them; the filter below drops the status-only updates our own writes cause instead.
        .withGenerationAware(false)
        .withOnUpdateFilter(EtcdReconciler::primaryChanged)
        .withReconciliationMaxInterval(config.maxReconcileInterval);
    if (!config.namespaces.isEmpty()) {
      c.settingNamespaces(config.namespaces);
    }
  }

  /**
   * Starts the HTTP endpoints, then either the operator at once or, with leader election, the election:
   * the informers and reconciles start when this replica leads.
   */
  public CairnOperator start() {
    if (httpAddress != null) {
      try {
        http = new OperatorHttpServer(httpAddress, registry, this::live, this::ready);
        http.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot serve /metrics and health on " + httpAddress + ": " + e.getMessage()
            + ". Choose another --http-port or free the port.", e);
      }
    }
    if (leaderElection == null) {
      startOperator();
    } else {
      elect();
    }
    LOG.info("operator {} as {} (namespaces: {}, leader election: {})", leaderElection == null ? "started" : "waiting",
        identity, config.namespaces.isEmpty() ? "all" : config.namespaces,
        leaderElection == null ? "off" : leaderElection.leaseNamespace() + "/" + leaderElection.leaseName());
    return this;
  }

  // Fabric8's leader elector on a Lease. (JOSDK's own leader election first checks its permissions with
  // a SelfSubjectRulesReview, which the test API server cannot answer, so it could never be tested.)
  private void elect() {
    var cfg = new LeaderElectionConfigBuilder()
        .withName(leaderElection.leaseName())
        .withLock(new LeaseLock(leaderElection.leaseNamespace(), leaderElection.leaseName(), identity))
        .withLeaseDuration(leaderElection.leaseDuration())
        .withRenewDeadline(leaderElection.renewDeadline())
        .withRetryPeriod(leaderElection.retryPeriod())
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(this::startOperator, this::lostLeadership,
            leader -> LOG.info("the leader is {}", leader)))
        .build();
    election = client.leaderElector().withConfig(cfg).build().start();
    election.whenComplete((r, e) -> {
      // Deposed (and told not to exit): stand by again for the next term.
      if (!stopped.get() && leaderElection != null && !leaderElection.exitOnLoss()) {
        elect();
      }
    });
  }

  private synchronized void startOperator() {
    if (stopped.get() || operator != null) {
      return;
    }
    LOG.info("{} leads: starting the reconcilers", identity);
    EventRecorder events = new EventRecorder(client, identity, clock, metrics::wrote);
    reconciler = new EtcdReconciler(client, config, etcdAdmin, agentClient, clock, events, metrics::wrote,
        code -> metrics.recordedError("Etcd", code));
    Operator o = new Operator(this::configure);
    o.register(reconciler, this::configure);
    dev.cairn.controller.catalog.Catalog.register(o, client, config, identity, clock, metrics::wrote);
    dev.cairn.controller.tasks.Tasks.register(o, client, config, agentClient, identity, clock, metrics::wrote);
    o.start();
    operator = o;
  }

  private void lostLeadership() {
    if (stopped.get()) {
      return;
    }
    if (leaderElection.exitOnLoss()) {
      // A deposed leader must not reconcile next to the new one; exiting is the one sure way.
      LOG.error("{} lost the leadership of {}/{}; exiting", identity, leaderElection.leaseNamespace(),
          leaderElection.leaseName());
      System.exit(1);
    }
    LOG.warn("{} lost the leadership; stopping the reconcilers", identity);
    stopOperator();
  }

  private synchronized void stopOperator() {
    if (operator != null) {
      passesBefore += reconciler.passes();
      try {
        operator.stop();
      } finally {
        reconciler.close();
        operator = null;
        reconciler = null;
      }
    }
  }

  /** Reconcile passes run by this replica so far (0 while it stands by). */
  public synchronized long passes() {
    return passesBefore + (reconciler == null ? 0 : reconciler.passes());
  }

  /** True while this replica runs the reconcilers (always, without leader election). */
  public synchronized boolean leading() {
    return operator != null;
  }

  /** Liveness: not stopped, and when leading, its informers are healthy. */
  public boolean live() {
    Operator o = operator;
    return !stopped.get() && (o == null || o.getRuntimeInfo().allEventSourcesAreHealthy());
  }

  /** Readiness: leading with caches synced, or standing by for the lease. */
  public boolean ready() {
    Operator o = operator;
    return !stopped.get() && (o != null ? o.getRuntimeInfo().isStarted() : election != null);
  }

  /** The reconciler while this replica leads, else null. */
  public synchronized EtcdReconciler reconciler() {
    return reconciler;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public OperatorMetrics metrics() {
    return metrics;
  }

  /** Where /metrics, /healthz and /readyz are served (with the real port when bound to 0); null if off. */
  public InetSocketAddress httpAddress() {
    return http == null ? null : http.address();
  }

  /** Graceful stop: in-flight reconciles finish (up to 30 s), informers stop, the endpoints close. */
  @Override
  public void close() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    LOG.info("operator stopping");
    try {
      stopOperator();
      if (election != null) {
        election.cancel(true); // releases the Lease: a standby takes over at once
      }
    } finally {
      if (http != null) {
        http.close();
      }
      registry.close();
    }
  }

  public static final class Builder {
    private final KubernetesClient client;
    private OperatorConfig config = OperatorConfig.defaults();
    private EtcdAdmin etcdAdmin;
    private AgentClient agentClient;
    private Clock clock = Clock.systemUTC();
    private LeaderElection leaderElection;
    private InetSocketAddress httpAddress;
    private String identity = defaultIdentity();

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    public Builder config(OperatorConfig v) {
      this.config = v;
      return this;
    }

    /** How the operator talks to etcd; default jetcd. */
    public Builder etcdAdmin(EtcdAdmin v) {
      this.etcdAdmin = v;
      return this;
    }

    /** How the operator talks to agents; default HTTP. */
    public Builder agentClient(AgentClient v) {
      this.agentClient = v;
      return this;
    }

    public Builder clock(Clock v) {
      this.clock = v;
      return this;
    }

    /** Leader election; null (default) runs without. */
    public Builder leaderElection(LeaderElection v) {
      this.leaderElection = v;
      return this;
    }

    /** Serve /metrics, /healthz, /readyz here; null (default) serves nothing. */
    public Builder http(InetSocketAddress v) {
      this.httpAddress = v;
      return this;
    }

    /** This replica's name in leader election and Events; default POD_NAME or the host name. */
    public Builder identity(String v) {
      this.identity = v;
      return this;
    }

    public CairnOperator build() {
      return new CairnOperator(this);
    }

    private static String defaultIdentity() {
      String pod = System.getenv("POD_NAME");
      if (pod != null && !pod.isBlank()) {
        return pod;
      }
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "cairn-operator";
      }
    }
  }
}
