package dev.cairn.cli;

import dev.cairn.agent.wrapper.EtcdWrapper;
import dev.cairn.agent.wrapper.InitClient;
import dev.cairn.api.GoDuration;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn wrapper}: what the etcd container runs (see {@link EtcdWrapper}). */
@Command(
    name = "wrapper",
    mixinStandardHelpOptions = true,
    description = {
      "Run etcd the safe way: have the agent validate (and if needed restore) the data directory,",
      "fetch the member's configuration from the agent, start etcd, forward SIGTERM/SIGINT, and",
      "record how etcd exited in <data-dir>/.cairn/exit-marker. Arguments after -- go to etcd."
    })
final class WrapperCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--agent-url", required = true, description = "The agent in this pod, e.g. http://10.0.0.5:8080.")
  URI agentUrl;

  @Option(names = "--agent-ca", paramLabel = "PEM", defaultValue = "${env:CAIRN_AGENT_CA}",
      description = "CA bundle the agent's certificate chains to, for an https --agent-url; re-read when it changes"
          + " (default: $CAIRN_AGENT_CA).")
  Path agentCa;

  @Option(names = "--agent-token-file", paramLabel = "FILE", defaultValue = "${env:CAIRN_AGENT_TOKEN_FILE}",
      description = "The agent API token (the agent's --api-token-file), sent with the initialisation start;"
          + " re-read at each request (default: $CAIRN_AGENT_TOKEN_FILE).")
  Path agentTokenFile;

  @Option(names = "--data-dir", required = true, description = "etcd's data directory on the data volume.")
  Path dataDir;

  @Option(names = "--etcd-bin", defaultValue = "etcd", description = "The etcd binary (default: etcd on PATH).")
  String etcdBin;

  @Option(names = "--config-file", description = "Where to write etcd's config (default: <data-dir>/.cairn/etcd.conf.yaml).")
  Path configFile;

  @Option(names = "--init-timeout", defaultValue = "0s",
      description = "Give up waiting for initialisation after this long (Go duration); 0s waits for ever.")
  String initTimeout;

  @Option(names = "--poll-interval", defaultValue = "1s", description = "How often to poll the agent (Go duration).")
  String pollInterval;

  @Option(names = "--termination-grace", defaultValue = "30s",
      description = "How long etcd gets after SIGTERM before it is killed (Go duration).")
  String terminationGrace;

  @Parameters(description = "Extra etcd flags, after --.")
  List<String> etcdArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Duration init = duration("--init-timeout", initTimeout);
    Duration poll = duration("--poll-interval", pollInterval);
    Duration grace = duration("--termination-grace", terminationGrace);
    if (poll.isZero()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--poll-interval must be positive, got " + pollInterval);
    }
    java.net.http.HttpClient http;
    try {
      http = EtcdWrapper.httpClient(agentUrl, agentCa);
    } catch (IllegalArgumentException | java.io.IOException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Path config = configFile != null ? configFile : dataDir.resolve(".cairn").resolve("etcd.conf.yaml");
    var options =
        new EtcdWrapper.Options(
            new InitClient(agentUrl, http, agentTokenFile),
            dataDir, etcdBin, config, etcdArgs, poll, init, grace);
    return new EtcdWrapper(options).run();
  }

  private Duration duration(String flag, String value) {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), flag + ": " + e.getMessage());
    }
  }
}
