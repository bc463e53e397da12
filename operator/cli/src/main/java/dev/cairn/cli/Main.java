package dev.cairn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code cairn} command: one binary for every role cairn plays. */
@Command(
    name = "cairn",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Runs etcd clusters on Kubernetes and never loses their data.",
    subcommands = {VersionCommand.class, CrdsCommand.class, ValidateCommand.class, WrapperCommand.class, SnapshotCommand.class, AgentCommand.class, OperatorCommand.class, LocalCommand.class, RestoreCommand.class, InitializeCommand.class, CompactCommand.class, StoreCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code; tests call this instead of {@link #main}. */
  public static int execute(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  @Override
  public void run() {
    // A bare "cairn" is a usage error: show what there is to run.
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand.");
  }
}
