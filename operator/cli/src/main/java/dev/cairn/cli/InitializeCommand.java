package dev.cairn.cli;

import dev.cairn.agent.init.InitDecision;
import dev.cairn.agent.init.InitOptions;
import dev.cairn.agent.restore.ChainRestorer;
import dev.cairn.agent.restore.RestoreException;
import dev.cairn.agent.restore.RestoredMember;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.util.Flags;
import dev.cairn.datadir.validation.ValidationFlow;
import dev.cairn.datadir.validation.ValidationMode;
import dev.cairn.datadir.validation.ValidationReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn initialize}: validate a single member's data dir and restore it from the store only
 * when needed (seed 001: prefer it to restore, it checks before it acts). The same decision table as
 * the agent's initialisation, for a member on its own.
 */
@Command(
    name = "initialize",
    mixinStandardHelpOptions = true,
    description = "Validate an etcd data dir; restore it from the backup store only if it is empty, corrupt or stale.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:etcd may start (valid, restored, or a new member)", "1:etcd must not start (wrong volume,"
        + " corrupt with nothing to restore, or the restore was refused)", "2:bad flags, or the store unavailable"})
final class InitializeCommand implements Callable<Integer> {

  /** The agent server's initialisation flags; the operator passes the paths as CAIRN_* env. */
  static final class AgentFlags {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:CAIRN_DATA_DIR}",
        description = "etcd's data dir on the data volume; with --etcd-config-template it enables /initialization/*"
            + " and /config (default: $CAIRN_DATA_DIR).")
    Path dataDir;

    @Option(names = {"--etcd-config-template", "--etcd-config"}, paramLabel = "FILE",
        defaultValue = "${env:CAIRN_ETCD_CONFIG}",
        description = "The operator's etcd config template (etcd YAML config-file keys; default: $CAIRN_ETCD_CONFIG).")
    Path template;

    @Option(names = "--agent-config", paramLabel = "FILE", defaultValue = "${env:CAIRN_AGENT_CONFIG}",
        description = "The operator's agent.yaml: etcd ports, TLS switches, peer Service (default: $CAIRN_AGENT_CONFIG).")
    Path agentConfig;

    @Option(names = "--client-tls-dir", paramLabel = "DIR", defaultValue = "${env:CAIRN_CLIENT_TLS_DIR}",
        description = "Client TLS Secret (tls.crt, tls.key, ca.crt) for etcd (default: $CAIRN_CLIENT_TLS_DIR).")
    Path clientTlsDir;

    @Option(names = "--peer-tls-dir", paramLabel = "DIR", defaultValue = "${env:CAIRN_PEER_TLS_DIR}",
        description = "Peer TLS Secret for etcd (default: $CAIRN_PEER_TLS_DIR).")
    Path peerTlsDir;

    @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "${env:CAIRN_ETCD_NAME}",
        description = "The Etcd resource's name (default: $CAIRN_ETCD_NAME, else agent.yaml).")
    String clusterName;

    @Option(names = "--client-port", paramLabel = "PORT", description = "etcd client port (default: agent.yaml, 2379).")
    Integer clientPort;

    @Option(names = "--peer-port", paramLabel = "PORT", description = "etcd peer port (default: agent.yaml, 2380).")
    Integer peerPort;

    @Option(names = "--cluster-domain", paramLabel = "DOMAIN",
        description = "Appended to <pod>.<peer-service>.<namespace>.svc in member URLs (default: none).")
    String clusterDomain;

    @Option(names = "--peer-probe-grace", paramLabel = "D", defaultValue = "60s",
        description = "How long no other member may answer before a member restores alone (default: ${DEFAULT-VALUE}).")
    String probeGrace;

    @Option(names = "--bootstrap-directive", paramLabel = "FILE", defaultValue = "${env:CAIRN_BOOTSTRAP_DIRECTIVE}",
        description = "The controller's bootstrap directive (ConfigMap <etcd>-bootstrap, directive.json), applied once"
            + " per id at initialisation when it names this pod; absent file: none (default: $CAIRN_BOOTSTRAP_DIRECTIVE).")
    Path bootstrapDirective;

    @Option(names = "--init-retry", paramLabel = "D", defaultValue = "2s",
        description = "Pause between initialisation attempts while waiting (default: ${DEFAULT-VALUE}).")
    String retry;

    /** Null when initialisation is not configured. */
    InitOptions options() {
      if (dataDir == null && template == null) {
        return null;
      }
      if (dataDir == null || template == null) {
        throw new IllegalArgumentException("initialisation needs both --data-dir and --etcd-config-template");
      }
      return new InitOptions(dataDir, template, agentConfig, clientTlsDir, peerTlsDir, clusterName, clientPort, peerPort,
          clusterDomain, Flags.duration(probeGrace), Flags.duration(retry), bootstrapDirective);
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin RestoreCommand.StoreFlags storeFlags;

  @Mixin RestoreCommand.MemberFlags memberFlags;

  @Option(names = "--mode", paramLabel = "full|sanity|auto", defaultValue = "auto",
      description = "Validation depth; auto reads the exit marker (default: ${DEFAULT-VALUE}).")
  String mode;

  @Override
  public Integer call() throws Exception {
    RestoredMember member;
    ValidationMode m;
    try {
      member = memberFlags.member();
      StoreUrl.parse(storeFlags.store);
      m = switch (mode) {
        case "full" -> ValidationMode.FULL;
        case "sanity" -> ValidationMode.SANITY;
        case "auto" -> null;
        default -> throw new IllegalArgumentException("--mode must be full, sanity or auto, not " + mode);
      };
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Map<String, String> env = System.getenv();
    BackupStore store;
    try {
      store = storeFlags.open(env);
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("cairn initialize: " + e.getMessage());
      return 2;
    }
    try (store) {
      SnapshotCatalog catalog = SnapshotCatalog.of(store.listAll());
      boolean hasFull = catalog.newestFull().isPresent();
      OptionalLong storeRevision = hasFull ? OptionalLong.of(catalog.newestEndRevision()) : OptionalLong.empty();
      Path dataDir = memberFlags.dataDir;
      ValidationReport report = ValidationFlow.run(ValidationFlow.Request.of(dataDir).withMode(m)
          .withStoreRevision(storeRevision));
      spec.commandLine().getErr().print(report.toText());
      InitDecision.Action a = InitDecision.decide(new InitDecision.Facts(report.outcome(), InitDecision.Peers.NONE,
          InitDecision.Self.ABSENT, true, true, hasFull, -1, -1, new InitDecision.Directive.None()));
      if (a instanceof InitDecision.Action.Fail f) {
        spec.commandLine().getErr().println("cairn initialize: etcd must not start: " + f.reason());
        return 1;
      }
      if (a instanceof InitDecision.Action.Restore r) {
        spec.commandLine().getErr().println("cairn initialize: " + r.reason());
        ChainRestorer restorer;
        try {
          restorer = storeFlags.restorer(store, env);
        } catch (IOException | IllegalStateException e) {
          spec.commandLine().getErr().println("cairn initialize: " + e.getMessage());
          return 2;
        }
        restorer.onProgress(p -> spec.commandLine().getErr().println("cairn initialize: " + p));
        ChainRestorer.Result res = restorer.restore(r.target(), member, dataDir, true);
        spec.commandLine().getOut().println(res.describe());
        return 0;
      }
      spec.commandLine().getOut().println("etcd may start: " + a.reason());
      return 0;
    } catch (RestoreException e) {
      spec.commandLine().getErr().println("cairn initialize: restore refused: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      spec.commandLine().getErr().println("cairn initialize: " + e.getMessage());
      return 2;
    }
  }

}
