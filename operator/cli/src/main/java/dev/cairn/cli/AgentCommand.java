package dev.cairn.cli;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.AgentServer;
import dev.cairn.agent.kube.Fabric8LeasePort;
import dev.cairn.agent.lease.LeasePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn agent}: the member agent's modes. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = "The member agent that runs beside etcd.",
    subcommands = {AgentCommand.Server.class})
final class AgentCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: use 'cairn agent server'.");
  }

  /** {@code cairn agent server}: the pod's long-running mode. */
  @Command(
      name = "server",
      mixinStandardHelpOptions = true,
      description = "Run the agent: snapshots (leader only), GC, lease renewal and the HTTP API, until stopped.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"143:stopped by SIGTERM after a graceful shutdown (130: SIGINT)", "2:bad flags, or the store or etcd unreachable at start"})
  static final class Server implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin SnapshotFlags flags;

    @Mixin InitializeCommand.AgentFlags initFlags;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8080",
        description = "Address of the HTTP API (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--tls-cert", paramLabel = "PEM",
        description = "Serve the API over TLS with this certificate chain; a renewed file is served from the next"
            + " connection on, without a restart.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM",
        description = "Private key of --tls-cert (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted).")
    Path tlsKey;

    @Option(names = "--api-token-file", paramLabel = "FILE", defaultValue = "${env:CAIRN_API_TOKEN_FILE}",
        description = "Requests that act (snapshots, initialisation start, directives) must carry this file's"
            + " token as 'Authorization: Bearer'; reads (health, readiness, metrics, status) stay open. Re-read at"
            + " each request, so a rotated Secret needs no restart. Default: $CAIRN_API_TOKEN_FILE; unset: no token.")
    Path apiTokenFile;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE:-}",
        description = "Namespace of the Leases to renew (default: $POD_NAMESPACE); empty: no Kubernetes.")
    String namespace;

    @Option(names = "--member-lease", paramLabel = "NAME", description = "This member's Lease (default: the member name).")
    String memberLease;

    @Option(names = "--full-snapshot-lease", paramLabel = "NAME", description = "The full snapshot Lease.")
    String fullLease;

    @Option(names = "--delta-snapshot-lease", paramLabel = "NAME", description = "The delta snapshot Lease.")
    String deltaLease;

    @Override
    public Integer call() throws Exception {
      AgentConfig cfg;
      InetSocketAddress bind;
      try {
        cfg = flags.toConfig();
        cfg.init = initFlags.options();
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
          throw new IllegalArgumentException("--listen must be HOST:PORT, not " + listen);
        }
        bind = new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
        if ((tlsCert == null) != (tlsKey == null)) {
          throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      LeasePort leases = LeasePort.NONE;
      KubernetesClient kube = null;
      if (namespace != null && !namespace.isBlank()) {
        kube = KubeClients.create();
        leases = new Fabric8LeasePort(kube, namespace, memberLease != null ? memberLease : cfg.memberName, fullLease,
            deltaLease);
      }
      AgentServer server;
      try {
        server = AgentServer.start(cfg, new AgentServer.HttpOptions(bind, tlsCert, tlsKey, apiTokenFile), leases, System.getenv());
      } catch (AgentServer.StartupException e) {
        spec.commandLine().getErr().println("cairn agent server: " + e.getMessage());
        if (kube != null) {
          kube.close();
        }
        return 2;
      }
      CountDownLatch stop = new CountDownLatch(1);
      KubernetesClient k = kube;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        if (k != null) {
          k.close();
        }
        stop.countDown();
      }, "agent-shutdown"));
      spec.commandLine().getOut().println("cairn agent serving on " + server.httpAddress());
      spec.commandLine().getOut().flush();
      stop.await();
      return 0;
    }
  }
}
