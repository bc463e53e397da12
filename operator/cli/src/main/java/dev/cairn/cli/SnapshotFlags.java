package dev.cairn.cli;

import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.gc.RetentionPolicy;
import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.CronSchedule;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.util.Flags;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The snapshotting flags shared by {@code cairn snapshot} and {@code cairn agent server}. */
final class SnapshotFlags {

  @Option(names = "--endpoints", required = true, paramLabel = "URLS",
      description = "Client URL(s) of etcd; the first is this agent's own member (status, snapshots, watch).")
  String endpoints;

  @Option(names = "--store", paramLabel = "URL",
      description = "Backup store: s3://bucket/prefix?endpoint=URL&region=R[&pathStyle=true&ca=PEM] or file:///dir."
          + " Without it (no spec.backup) the agent takes no snapshots.")
  String store;

  @Option(names = "--store-credentials-dir", paramLabel = "DIR",
      description = "Mounted Secret with accessKeyID and secretAccessKey (and sessionToken). Default: AWS_* variables.")
  Path storeCredentialsDir;

  @Option(names = "--full-schedule", paramLabel = "CRON", defaultValue = "0 */1 * * *",
      description = "5-field cron (UTC) for full snapshots (default: ${DEFAULT-VALUE}); \"none\" for none.")
  String fullSchedule;

  @Option(names = "--delta-period", paramLabel = "D", defaultValue = "20s",
      description = "Delta snapshot period (default: ${DEFAULT-VALUE}); 0 disables deltas.")
  String deltaPeriod;

  @Option(names = "--delta-memory-limit", paramLabel = "SIZE", defaultValue = "100Mi",
      description = "Cut a delta early when its buffered events reach this size (default: ${DEFAULT-VALUE}).")
  String deltaMemoryLimit;

  @Option(names = "--compression", paramLabel = "none|gzip|zstd", defaultValue = "none",
      description = "Compression of stored snapshots (default: ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--encryption-key-file", paramLabel = "FILE",
      description = "32-byte AES-256 key (mounted Secret key \"key\"): encrypt snapshots client-side.")
  Path encryptionKeyFile;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "Backup token (Secret key \"token\"); its salted hash is recorded with every snapshot.")
  Path tokenFile;

  @Option(names = "--gc-policy", paramLabel = "LimitBased|Exponential|none", defaultValue = "Exponential",
      description = "Garbage collection policy (default: ${DEFAULT-VALUE}).")
  String gcPolicy;

  @Option(names = "--max-backups", paramLabel = "N", description = "LimitBased: full snapshots to keep.")
  Integer maxBackups;

  @Option(names = "--gc-period", paramLabel = "D", defaultValue = "1m", description = "GC period (default: ${DEFAULT-VALUE}).")
  String gcPeriod;

  @Option(names = "--delta-retention", paramLabel = "D", description = "Delete deltas older than this (not the newest chain).")
  String deltaRetention;

  @Option(names = "--archive-retention", paramLabel = "D",
      description = "Remove archives of abandoned timelines (restores to an older point) this long after their restore"
          + " started; only finished ones, never the newest restore's before its timeline has its own full snapshot."
          + " Unset: archives are kept.")
  String archiveRetention;

  @Option(names = "--scratch-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/cairn-agent",
      description = "Scratch disk for spooled full snapshots and cut deltas (default: ${DEFAULT-VALUE}).")
  Path scratchDir;

  @Option(names = "--member-name", paramLabel = "NAME", defaultValue = "${env:POD_NAME:-}",
      description = "Member (pod) name recorded in snapshot metadata (default: $POD_NAME).")
  String memberName;

  @Option(names = "--leader-only", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Only snapshot while the member is the etcd leader (default: ${DEFAULT-VALUE}).")
  boolean leaderOnly;

  @Option(names = "--heartbeat", paramLabel = "D", defaultValue = "5s",
      description = "Control loop period: leadership, lease renewal, schedules (default: ${DEFAULT-VALUE}).")
  String heartbeat;

  /** Builds the agent config; bad values throw IllegalArgumentException with the flag named. */
  AgentConfig toConfig() {
    AgentConfig c = new AgentConfig();
    try {
      c.etcdEndpoint = URI.create(endpoints.split(",")[0].strip());
      if (c.etcdEndpoint.getScheme() == null || c.etcdEndpoint.getHost() == null) {
        throw new IllegalArgumentException("'" + endpoints + "' is not a URL list such as http://127.0.0.1:2379");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--endpoints: " + e.getMessage(), e);
    }
    c.store = store == null || store.isBlank() ? null : wrap("--store", () -> StoreUrl.parse(store));
    c.storeCredentialsDir = storeCredentialsDir;
    c.fullSchedule = "none".equals(fullSchedule) ? null : wrap("--full-schedule", () -> CronSchedule.parse(fullSchedule));
    c.deltaPeriod = wrap("--delta-period", () -> Flags.duration(deltaPeriod));
    c.deltaMemoryLimit = wrap("--delta-memory-limit", () -> Flags.size(deltaMemoryLimit));
    c.compression = wrap("--compression", () -> Compression.parse(compression));
    c.encryptionKeyFile = encryptionKeyFile;
    c.tokenFile = tokenFile;
    c.gcPolicy = "none".equalsIgnoreCase(gcPolicy) ? null : wrap("--gc-policy", () -> RetentionPolicy.parse(gcPolicy, maxBackups));
    c.gcPeriod = wrap("--gc-period", () -> Flags.duration(gcPeriod));
    c.deltaRetention = deltaRetention == null ? null : wrap("--delta-retention", () -> Flags.duration(deltaRetention));
    c.archiveRetention = archiveRetention == null ? null
        : wrap("--archive-retention", () -> Flags.duration(archiveRetention));
    c.scratchDir = scratchDir;
    c.memberName = memberName == null ? "" : memberName;
    c.leaderOnly = leaderOnly;
    c.heartbeat = wrap("--heartbeat", () -> Flags.duration(heartbeat));
    return c.validate();
  }

  private static <T> T wrap(String flag, java.util.function.Supplier<T> s) {
    try {
      return s.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
    }
  }
}
