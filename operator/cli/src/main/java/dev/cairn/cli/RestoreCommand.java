package dev.cairn.cli;

import dev.cairn.agent.restore.ChainRestorer;
import dev.cairn.agent.restore.EtcdTools;
import dev.cairn.agent.restore.RestoreException;
import dev.cairn.agent.restore.RestoreTarget;
import dev.cairn.agent.restore.RestoredMember;
import dev.cairn.agent.restore.Timeline;
import dev.cairn.agent.restore.TokenPreflight;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.util.Flags;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn restore}: builds an etcd data dir from the backup store (seed 001's restore mode):
 * the newest state, a named snapshot or a revision. Every object is verified before use; the data
 * dir is only changed once the new member data is complete.
 */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = "Restore an etcd data dir from the backup store: the newest state, a snapshot, or a revision.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:restored", "1:refused or failed (the data dir is unchanged); the message says why",
        "2:bad flags, or the store or the etcd tools unavailable"})
final class RestoreCommand implements Callable<Integer> {

  /** The store and how to read it: shared by restore, initialize and compact. */
  static final class StoreFlags {
    @Option(names = "--store", required = true, paramLabel = "URL",
        description = "Backup store: s3://bucket/prefix?endpoint=URL&region=R[&pathStyle=true&ca=PEM] or file:///dir.")
    String store;

    @Option(names = "--store-credentials-dir", paramLabel = "DIR",
        description = "Mounted Secret with accessKeyID and secretAccessKey (and sessionToken). Default: AWS_* variables.")
    Path storeCredentialsDir;

    @Option(names = "--encryption-key-file", paramLabel = "FILE",
        description = "The AES-256 key the snapshots were encrypted with.")
    Path encryptionKeyFile;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "The cluster's backup token: every snapshot's token hash must match it (token preflight).")
    Path tokenFile;

    @Option(names = "--allow-token-mismatch",
        description = "Use snapshots whose token hash does not match (or that have none).")
    boolean allowTokenMismatch;

    @Option(names = "--scratch-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/cairn-restore",
        description = "Downloads go here: room for the full snapshot and a few deltas (default: ${DEFAULT-VALUE}).")
    Path scratchDir;

    @Option(names = "--bind-host", paramLabel = "IP", defaultValue = "${env:POD_IP:-127.0.0.1}",
        description = "Address of the temporary etcd that replays deltas (default: $POD_IP, else ${DEFAULT-VALUE}).")
    String bindHost;

    @Option(names = "--fetch-parallelism", paramLabel = "N", defaultValue = "4",
        description = "Objects downloaded and verified at once (default: ${DEFAULT-VALUE}).")
    int fetchParallelism;

    @Option(names = "--quota-backend-bytes", paramLabel = "SIZE", defaultValue = "8Gi",
        description = "Backend quota of the temporary etcd (default: ${DEFAULT-VALUE}).")
    String quota;

    BackupStore open(Map<String, String> env) throws IOException {
      BackupStore s = StoreUrl.parse(store).open(storeCredentialsDir, env);
      try {
        s.check();
      } catch (IOException e) {
        s.close();
        throw new IOException("the backup store " + s.describe() + " does not answer: " + e.getMessage(), e);
      }
      return s;
    }

    ChainRestorer restorer(BackupStore s, Map<String, String> env) throws IOException {
      EncryptionKey key = encryptionKeyFile == null ? null : EncryptionKey.fromFile(encryptionKeyFile);
      return new ChainRestorer(s, settings(env, key));
    }

    ChainRestorer.Settings settings(Map<String, String> env, EncryptionKey key) throws IOException {
      return new ChainRestorer.Settings(scratchDir, key, TokenPreflight.fromFile(tokenFile, allowTokenMismatch),
          EtcdTools.find(env), bindHost, Flags.size(quota), Math.max(1, fetchParallelism), Duration.ofHours(2));
    }
  }

  /** Who the restored member is. */
  static final class MemberFlags {
    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "etcd's --data-dir to restore into.")
    Path dataDir;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "${env:POD_NAME:-default}",
        description = "Member name (default: $POD_NAME, else ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--initial-cluster", paramLabel = "NAME=URL,...",
        description = "The restored cluster: the member alone (NAME=PEER_URL) when deltas are replayed.")
    String initialCluster;

    @Option(names = "--initial-advertise-peer-urls", paramLabel = "URLS",
        description = "The member's peer URL(s) (default: its entry in --initial-cluster).")
    String peerUrls;

    @Option(names = "--initial-cluster-token", paramLabel = "TOKEN", defaultValue = "etcd-cluster",
        description = "Initial cluster token (default: ${DEFAULT-VALUE}).")
    String token;

    RestoredMember member() {
      String urls = peerUrls;
      if (urls == null && initialCluster != null) {
        StringBuilder b = new StringBuilder();
        for (String part : initialCluster.split(",")) {
          String[] kv = part.strip().split("=", 2);
          if (kv.length == 2 && kv[0].equals(name)) {
            b.append(b.length() == 0 ? "" : ",").append(kv[1]);
          }
        }
        if (b.length() == 0) {
          throw new IllegalArgumentException("--initial-cluster " + initialCluster + " has no entry for --name " + name);
        }
        urls = b.toString();
      }
      if (urls == null) {
        throw new IllegalArgumentException("give --initial-cluster NAME=PEER_URL (or --initial-advertise-peer-urls)");
      }
      String ic = initialCluster != null ? initialCluster : name + "=" + urls.split(",")[0];
      return new RestoredMember(name, urls, ic, token);
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin StoreFlags storeFlags;

  @Mixin MemberFlags memberFlags;

  @Option(names = "--snapshot", paramLabel = "NAME", description = "Restore this snapshot (object or base name).")
  String snapshot;

  @Option(names = "--revision", paramLabel = "REV", description = "Restore the keyspace as it was at this revision.")
  Long revision;

  @Option(names = "--replace",
      description = "Replace the member data the data dir holds (it is swapped out only once the new one is complete).")
  boolean replace;

  @Option(names = "--new-timeline",
      description = "For a snapshot or revision older than the store's newest: the restored member becomes the"
          + " cluster. Every snapshot above the restored revision is moved into the store's archive/ID/ folder"
          + " (kept; only an opt-in --archive-retention of the agents removes it) so that no later start"
          + " restores the newer state over it. Stop every member first.")
  boolean newTimeline;

  @Option(names = "--restore-id", paramLabel = "ID",
      description = "Archive folder for --new-timeline (default: restore-<UTC time>). Run a failed or interrupted"
          + " restore again with the id it printed: it finishes the same archive.")
  String restoreId;

  @Option(names = "--detached",
      description = "For a snapshot or revision older than the store's newest: leave the store as it is (a copy for"
          + " inspection). Do not start it as a member with this store: it would be judged stale and restored.")
  boolean detached;

  @Override
  public Integer call() throws Exception {
    RestoreTarget target;
    RestoredMember member;
    Timeline timeline;
    try {
      if (newTimeline && detached) {
        throw new IllegalArgumentException("give --new-timeline or --detached, not both");
      }
      if (restoreId != null && !newTimeline) {
        throw new IllegalArgumentException("--restore-id " + restoreId + " names the archive of --new-timeline; add"
            + " --new-timeline or drop it");
      }
      String id = restoreId != null ? restoreId : "restore-" + java.time.format.DateTimeFormatter
          .ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
      timeline = newTimeline ? Timeline.newTimeline(id) : detached ? Timeline.detached() : Timeline.refuseOlder();
      target = RestoreTarget.of(snapshot, revision);
      member = memberFlags.member();
      StoreUrl.parse(storeFlags.store);
      Flags.size(storeFlags.quota);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Map<String, String> env = System.getenv();
    BackupStore store;
    ChainRestorer restorer;
    try {
      store = storeFlags.open(env);
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("cairn restore: " + e.getMessage());
      return 2;
    }
    try (store) {
      try {
        restorer = storeFlags.restorer(store, env);
      } catch (IOException | IllegalStateException e) {
        spec.commandLine().getErr().println("cairn restore: " + e.getMessage());
        return 2;
      }
      restorer.onProgress(p -> spec.commandLine().getErr().println("cairn restore: " + p));
      if (timeline instanceof Timeline.NewTimeline nt) {
        spec.commandLine().getErr().println("cairn restore: restore id " + nt.archiveId() + " (if this run fails or is"
            + " interrupted, run it again with --new-timeline --restore-id " + nt.archiveId() + ")");
      }
      ChainRestorer.Result r = restorer.restore(target, member, memberFlags.dataDir, replace, timeline);
      spec.commandLine().getOut().println(r.describe());
      return 0;
    } catch (RestoreException e) {
      spec.commandLine().getErr().println("cairn restore: refused: " + e.getMessage());
      return 1;
    }
  }
}
