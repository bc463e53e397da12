package dev.cairn.cli;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.AgentServer;
import dev.cairn.agent.SnapshotService;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn snapshot}: takes snapshots of an etcd cluster into a backup store, either once
 * ({@code --once full|delta}) or continuously (full on the schedule, deltas on the period) until
 * stopped. The same engine as {@code cairn agent server}, without the HTTP API and leases.
 */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Take full and delta snapshots of etcd into a backup store (once, or until stopped).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done (or stopped by a signal)", "1:a snapshot failed", "2:bad flags, or the store or etcd"
        + " unreachable at start"})
final class SnapshotCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin SnapshotFlags flags;

  @Option(names = "--once", paramLabel = "full|delta",
      description = "Take one snapshot and exit: a full snapshot, or a delta of every event since the newest stored"
          + " revision.")
  String once;

  @Override
  public Integer call() throws Exception {
    AgentConfig cfg;
    try {
      cfg = flags.toConfig();
      if (!cfg.backupsEnabled()) {
        // Optional for the agent (an Etcd without spec.backup), but snapshotting needs somewhere to write.
        throw new IllegalArgumentException("no backup store: give --store (s3://... or file:///dir)");
      }
      if (once != null && !once.equals("full") && !once.equals("delta")) {
        throw new IllegalArgumentException("--once must be full or delta, not " + once);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (once != null) {
      cfg.fullSchedule = null; // no start-up full besides the one asked for
      cfg.gcPolicy = null;
      cfg.heartbeat = Duration.ofHours(1); // the control loop runs once, by hand below
      if (once.equals("full")) {
        cfg.deltaPeriod = Duration.ZERO;
      }
    }
    AgentServer server;
    try {
      server = AgentServer.start(cfg, null, LeasePort.NONE, System.getenv());
    } catch (AgentServer.StartupException e) {
      spec.commandLine().getErr().println("cairn snapshot: " + e.getMessage());
      return 2;
    }
    try (server) {
      SnapshotService svc = server.service();
      if (once == null) {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
        return 0;
      }
      Duration timeout = Duration.ofHours(2);
      svc.tick();
      if (!svc.isActive()) {
        spec.commandLine().getErr().println("cairn snapshot: not snapshotting: " + svc.health().problems());
        return 1;
      }
      Optional<SnapshotMetadata> meta;
      if (once.equals("full")) {
        meta = Optional.of(svc.fullSnapshot(false, timeout));
      } else {
        meta = svc.onceDelta(timeout);
      }
      spec.commandLine().getOut().println(meta.map(m -> new String(m.toJson(), StandardCharsets.UTF_8))
          .orElse("{\"message\": \"no new events since the newest stored revision\"}"));
      return 0;
    } catch (Exception e) {
      spec.commandLine().getErr().println("cairn snapshot: " + e.getMessage());
      return 1;
    }
  }
}
