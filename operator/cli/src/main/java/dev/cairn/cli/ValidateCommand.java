package dev.cairn.cli;

import dev.cairn.datadir.validation.DataDirValidator;
import dev.cairn.datadir.validation.ValidationFlow;
import dev.cairn.datadir.validation.ValidationMode;
import dev.cairn.datadir.validation.ValidationReport;
import dev.cairn.datadir.validation.VolumeIdentity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn validate}: decides whether etcd may start on a data directory, with the same checks
 * the agent runs before starting etcd (package {@code dev.cairn.datadir.validation}).
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Validate an etcd data directory (or a v3 snapshot file) without starting etcd.",
      "Without --mode, the validation marker in <data-dir>/.cairn/exit-marker picks it: a clean previous"
          + " exit means sanity (structure + revision), anything else full (every page, record and file)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:valid: etcd may start",
      "3:empty or absent: a fresh member",
      "1:corrupt, stale or wrong volume: do not start etcd",
      "2:usage or I/O error"
    })
final class ValidateCommand implements Callable<Integer> {

  static final int EXIT_IO = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "etcd's --data-dir (the directory holding member/).")
  Path dataDir;

  @Option(names = "--snapshot", paramLabel = "FILE",
      description = "Validate a v3 snapshot file instead (sha256 trailer, full db check, revision). A gzip or zstd"
          + " file is decompressed first; an encrypted one (a stored .enc object) needs --encryption-key-file.")
  Path snapshot;

  @Option(names = "--encryption-key-file", paramLabel = "FILE",
      description = "With --snapshot: the AES-256 key an encrypted snapshot object was written with.")
  Path encryptionKeyFile;

  @Option(names = "--scratch-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}",
      description = "With --snapshot: where a decrypted or decompressed copy is written while it is checked, then"
          + " deleted (default: ${DEFAULT-VALUE}).")
  Path scratchDir;

  @Option(names = "--mode", paramLabel = "full|sanity", description = "Force the validation mode.")
  String mode;

  @Option(names = "--store-revision", paramLabel = "N",
      description = "End revision of the newest snapshot in the backup store: enables the staleness check.")
  Long storeRevision;

  @Option(names = "--output", paramLabel = "text|json", defaultValue = "text", description = "Report format (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--expect-namespace", paramLabel = "NS", description = "Wrong-volume guard: the member's namespace.")
  String expectNamespace;

  @Option(names = "--expect-etcd", paramLabel = "NAME", description = "Wrong-volume guard: the Etcd resource name.")
  String expectEtcd;

  @Option(names = "--expect-member", paramLabel = "POD", description = "Wrong-volume guard: the member (pod) name.")
  String expectMember;

  @Option(names = "--expect-cluster-id", paramLabel = "ID", description = "Wrong-volume guard: the Etcd resource's uid.")
  String expectClusterId;

  @Option(names = "--claim", description = "With --expect-*: write the identity file when the volume has none.")
  boolean claim;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    if ((dataDir == null) == (snapshot == null)) {
      throw new CommandLine.ParameterException(cl, "Give exactly one of --data-dir and --snapshot.");
    }
    if (encryptionKeyFile != null && snapshot == null) {
      throw new CommandLine.ParameterException(cl, "--encryption-key-file decrypts a --snapshot file; a data dir is"
          + " never encrypted.");
    }
    if (!output.equals("text") && !output.equals("json")) {
      throw new CommandLine.ParameterException(cl, "--output must be text or json, not '" + output + "'.");
    }
    ValidationMode m = null;
    if (mode != null) {
      switch (mode.toLowerCase(Locale.ROOT)) {
        case "full" -> m = ValidationMode.FULL;
        case "sanity" -> m = ValidationMode.SANITY;
        default -> throw new CommandLine.ParameterException(cl, "--mode must be full or sanity, not '" + mode + "'.");
      }
    }
    if (storeRevision != null && storeRevision < 0) {
      throw new CommandLine.ParameterException(cl, "--store-revision must be >= 0, not " + storeRevision + ".");
    }
    PrintWriter out = cl.getOut();
    PrintWriter err = cl.getErr();
    try {
      ValidationReport report;
      if (snapshot != null) {
        if (!Files.isRegularFile(snapshot)) {
          err.println("cairn validate: " + snapshot + " is not a file; give the path of a v3 snapshot.");
          err.flush();
          return EXIT_IO;
        }
        SnapshotFile.Opened opened;
        try {
          opened = SnapshotFile.open(snapshot, encryptionKeyFile, scratchDir, err);
        } catch (SnapshotFile.NotReadable e) {
          err.println("cairn validate: " + e.getMessage());
          err.flush();
          return EXIT_IO;
        }
        try (opened) {
          report = DataDirValidator.validateSnapshotFile(opened.plain());
        }
      } else {
        VolumeIdentity expected = null;
        if (expectNamespace != null || expectEtcd != null || expectMember != null || expectClusterId != null) {
          expected = new VolumeIdentity(expectNamespace, expectEtcd, expectMember, expectClusterId);
        }
        ValidationFlow.Request req = new ValidationFlow.Request(dataDir, m,
            storeRevision == null ? OptionalLong.empty() : OptionalLong.of(storeRevision), expected, claim);
        report = ValidationFlow.run(req);
      }
      out.print(output.equals("json") ? report.toJson() : report.toText());
      out.flush();
      return report.exitCode();
    } catch (IOException | java.io.UncheckedIOException e) {
      err.println("cairn validate: I/O error, nothing was decided: " + e.getMessage()
          + " (check the path and its permissions, then retry)");
      err.flush();
      return EXIT_IO;
    }
  }
}
