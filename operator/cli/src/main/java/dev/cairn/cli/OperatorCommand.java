package dev.cairn.cli;

import dev.cairn.api.GoDuration;
import dev.cairn.controller.CairnOperator;
import dev.cairn.controller.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn operator}: runs the operator against the cluster of the current kubeconfig (or the
 * in-cluster service account) until SIGTERM, then stops gracefully.
 */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Run the cairn operator: reconcile Etcd resources into running, backed-up etcd clusters.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"143:stopped by SIGTERM after a graceful shutdown (130: SIGINT)", "1:lost the leader election (a standby takes over)",
        "2:bad flags, or the API server or the HTTP port unusable at start"})
final class OperatorCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--namespaces", split = ",", paramLabel = "NS",
      defaultValue = "${env:CAIRN_WATCH_NAMESPACES:-}",
      description = "Namespaces to watch, comma-separated (default: $CAIRN_WATCH_NAMESPACES, empty: all).")
  List<String> namespaces;

  @Option(names = "--auto-reconcile", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Apply spec changes as soon as they are seen (default: ${DEFAULT-VALUE}). With"
          + " --no-auto-reconcile, a changed spec waits for the annotation cairn.dev/operation=reconcile.")
  boolean autoReconcile;

  @Option(names = "--default-etcd-version", paramLabel = "V", defaultValue = "3.5.17",
      description = "etcd version for Etcds that set none (default: ${DEFAULT-VALUE}).")
  String defaultEtcdVersion;

  @Option(names = "--etcd-image", paramLabel = "IMAGE", defaultValue = "ghcr.io/cairn-dev/cairn-etcd:v{version}",
      description = "etcd container image for Etcds that set none; {version} is replaced (default: ${DEFAULT-VALUE})."
          + " It must hold etcd and the cairn launcher.")
  String etcdImage;

  @Option(names = "--agent-image", paramLabel = "IMAGE", defaultValue = "${env:CAIRN_AGENT_IMAGE:-}",
      description = "Agent container image for Etcds that set none (default: $CAIRN_AGENT_IMAGE, else"
          + " ghcr.io/cairn-dev/cairn:<this version>).")
  String agentImage;

  @Option(names = "--image-pull-policy", paramLabel = "POLICY",
      description = "imagePullPolicy of member containers (default: Kubernetes' own).")
  String imagePullPolicy;

  @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Elect one active replica through a Lease (default: ${DEFAULT-VALUE}).")
  boolean leaderElection;

  @Option(names = "--leader-election-namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE:-}",
      description = "Namespace of the leader Lease (default: $POD_NAMESPACE).")
  String leaseNamespace;

  @Option(names = "--leader-election-lease", paramLabel = "NAME", defaultValue = "cairn-operator",
      description = "Name of the leader Lease (default: ${DEFAULT-VALUE}).")
  String leaseName;

  @Option(names = "--identity", paramLabel = "NAME", defaultValue = "${env:POD_NAME:-}",
      description = "This replica's name in the Lease and in Events (default: $POD_NAME, else the host name).")
  String identity;

  @Option(names = "--http-address", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8081",
      description = "Where /metrics, /healthz and /readyz are served (default: ${DEFAULT-VALUE}); \"off\" for none.")
  String httpAddress;

  @Option(names = "--reconcile-threads", paramLabel = "N", defaultValue = "20",
      description = "Etcds reconciled at the same time (default: ${DEFAULT-VALUE}).")
  int reconcileThreads;

  @Option(names = "--member-unknown-after", paramLabel = "D", defaultValue = "60s",
      description = "A member whose Lease is older is Unknown (default: ${DEFAULT-VALUE}).")
  String memberUnknownAfter;

  @Option(names = "--member-not-ready-after", paramLabel = "D", defaultValue = "5m",
      description = "A member whose Lease is older is NotReady (default: ${DEFAULT-VALUE}).")
  String memberNotReadyAfter;

  @Option(names = "--resync", paramLabel = "D", defaultValue = "30s",
      description = "How often a settled Etcd is looked at again (Lease expiry, backup age) (default: ${DEFAULT-VALUE}).")
  String resync;

  /** Turns the flags into the operator's configuration; bad values name the flag. */
  OperatorConfig config() {
    Set<String> ns = new LinkedHashSet<>();
    if (namespaces != null) {
      namespaces.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(ns::add);
    }
    try {
      return OperatorConfig.builder()
          .namespaces(ns)
          .autoReconcile(autoReconcile)
          .defaultEtcdVersion(defaultEtcdVersion)
          .etcdImageTemplate(etcdImage)
          .agentImage(agentImage == null || agentImage.isBlank()
              ? "ghcr.io/cairn-dev/cairn:" + VersionCommand.version() : agentImage)
          .imagePullPolicy(imagePullPolicy)
          .reconcileThreads(reconcileThreads)
          .memberUnknownAfter(duration("--member-unknown-after", memberUnknownAfter))
          .memberNotReadyAfter(duration("--member-not-ready-after", memberNotReadyAfter))
          .requeueSteady(duration("--resync", resync))
          .build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  InetSocketAddress http() {
    if ("off".equals(httpAddress)) {
      return null;
    }
    int colon = httpAddress.lastIndexOf(':');
    try {
      return new InetSocketAddress(httpAddress.substring(0, colon), Integer.parseInt(httpAddress.substring(colon + 1)));
    } catch (RuntimeException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--http-address must be HOST:PORT such as 0.0.0.0:8081, or off; got " + httpAddress);
    }
  }

  private Duration duration(String flag, String value) {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), flag + ": " + e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    OperatorConfig cfg = config();
    InetSocketAddress http = http();
    if (leaderElection && (leaseNamespace == null || leaseNamespace.isBlank())) {
      throw new CommandLine.ParameterException(spec.commandLine(), "leader election needs a namespace for its Lease:"
          + " give --leader-election-namespace (or set POD_NAMESPACE), or run a single replica with --no-leader-election");
    }
    KubernetesClient client = KubeClients.create();
    CairnOperator.Builder b = CairnOperator.builder(client).config(cfg).http(http);
    if (identity != null && !identity.isBlank()) {
      b.identity(identity);
    }
    if (leaderElection) {
      b.leaderElection(new CairnOperator.LeaderElection(leaseName, leaseNamespace, true));
    }
    CairnOperator operator;
    try {
      operator = b.build().start();
    } catch (RuntimeException e) {
      client.close();
      spec.commandLine().getErr().println("cairn operator: cannot start: " + e.getMessage());
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // SIGTERM: let in-flight reconciles finish, release the leader Lease, then exit.
      operator.close();
      client.close();
      stopped.countDown();
    }, "operator-shutdown"));
    stopped.await();
    return 0;
  }
}
