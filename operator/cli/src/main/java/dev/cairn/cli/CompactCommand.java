package dev.cairn.cli;

import dev.cairn.agent.restore.ChainRestorer;
import dev.cairn.agent.restore.Compactor;
import dev.cairn.agent.restore.RestoreException;
import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotWriter;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.util.Backoff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn compact}: when deltas pile up, restore the newest chain into a temporary etcd, compact,
 * defragment and store a new full snapshot at the chain's end; the cluster itself is not touched.
 */
@Command(
    name = "compact",
    mixinStandardHelpOptions = true,
    description = "Replace a long delta chain by a new full snapshot (restore, compact, defragment, snapshot).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:a compacted full snapshot was stored", "1:refused or failed; the message says why",
        "2:bad flags, or the store or the etcd tools unavailable"})
final class CompactCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin RestoreCommand.StoreFlags storeFlags;

  @Option(names = "--compression", paramLabel = "none|gzip|zstd", defaultValue = "none",
      description = "Compression of the new full snapshot (default: ${DEFAULT-VALUE}).")
  String compression;

  @Override
  public Integer call() throws Exception {
    Compression c;
    try {
      c = Compression.parse(compression);
      StoreUrl.parse(storeFlags.store);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Map<String, String> env = System.getenv();
    BackupStore store;
    try {
      store = storeFlags.open(env);
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("cairn compact: " + e.getMessage());
      return 2;
    }
    try (store) {
      EncryptionKey key;
      ChainRestorer.Settings settings;
      try {
        key = storeFlags.encryptionKeyFile == null ? null : EncryptionKey.fromFile(storeFlags.encryptionKeyFile);
        settings = storeFlags.settings(env, key);
      } catch (IOException | IllegalStateException e) {
        spec.commandLine().getErr().println("cairn compact: " + e.getMessage());
        return 2;
      }
      ChainRestorer restorer = new ChainRestorer(store, settings)
          .onProgress(p -> spec.commandLine().getErr().println("cairn compact: " + p));
      SnapshotWriter writer = new SnapshotWriter(store, c, key, settings.scratchDir(), Backoff.defaults());
      Compactor.Result r = Compactor.run(restorer, settings, writer, Duration.ofHours(2));
      spec.commandLine().getErr().println("cairn compact: " + r.restore().describe() + "; db " + r.dbSizeBefore()
          + " -> " + r.dbSizeAfter() + " bytes after compaction and defragmentation");
      spec.commandLine().getOut().println(new String(r.snapshot().toJson(), StandardCharsets.UTF_8));
      return 0;
    } catch (RestoreException e) {
      spec.commandLine().getErr().println("cairn compact: refused: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      spec.commandLine().getErr().println("cairn compact: " + e.getMessage());
      return 1;
    }
  }
}
