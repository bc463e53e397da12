package dev.cairn.agent;

import dev.cairn.agent.gc.RetentionPolicy;
import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.CronSchedule;
import dev.cairn.agent.store.StoreUrl;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the snapshotting agent is told at start, from flags (see the CLI's {@code agent server}
 * and {@code snapshot} commands). Holds no secret, only paths to mounted secret files.
 */
public final class AgentConfig {

  /** Client URL of the local etcd member; status, snapshots and the watch go to it. */
  public URI etcdEndpoint;
  /** Member (pod) name, recorded in snapshot metadata. */
  public String memberName = "";
  /** The backup store; null: backups are not configured (no snapshots, no GC, no restore from the store). */
  public StoreUrl store;
  /** Directory with accessKeyID / secretAccessKey files; null: environment or default chain. */
  public Path storeCredentialsDir;
  /** Full snapshots on this schedule; null: none scheduled (on demand and at start only). */
  public CronSchedule fullSchedule = CronSchedule.parse("0 */1 * * *");
  /** Delta period; null or zero: no delta snapshots. */
  public Duration deltaPeriod = Duration.ofSeconds(20);
  public long deltaMemoryLimit = 100L * 1024 * 1024;
  public Compression compression = Compression.NONE;
  /** 32-byte AES-256 key file; null: snapshots are not encrypted. */
  public Path encryptionKeyFile;
  /** Backup token file; null: no token hash recorded. */
  public Path tokenFile;
  /** GC policy; null: no garbage collection. */
  public RetentionPolicy gcPolicy;
  public Duration gcPeriod = Duration.ofMinutes(1);
  /** Deltas older than this go (except the newest chain); null: they live as long as their full. */
  public Duration deltaRetention;
  /**
   * Archives of abandoned timelines (ADR 0008) whose restore started longer ago than this are removed by
   * GC (only those {@code cairn store archive-remove} would remove without --force); null keeps them.
   */
  public Duration archiveRetention;
  /** Untrusted objects (no metadata) older than this are deleted by GC. */
  public Duration strayGrace = Duration.ofHours(1);
  /** Where full snapshots are spooled and deltas cut; needs room for one db (two when transformed). */
  public Path scratchDir;
  /** Only the agent of the etcd leader snapshots and collects garbage. */
  public boolean leaderOnly = true;
  /** Control loop period: leadership check, lease renewal, delta cut check, schedules. */
  public Duration heartbeat = Duration.ofSeconds(5);
  public Duration etcdTimeout = Duration.ofSeconds(10);
  /** Longest a full snapshot stream may take. */
  public Duration snapshotTimeout = Duration.ofHours(1);
  /** First delay of the backoff used for store and etcd retries. */
  public Duration retryInitial = Duration.ofMillis(500);
  public Duration retryMax = Duration.ofSeconds(30);
  /** A failed scheduled full snapshot is tried again after this. */
  public Duration fullRetryDelay = Duration.ofSeconds(30);
  /**
   * Initialisation of the member before etcd starts ({@code /initialization/*}, {@code /config});
   * null or not {@link dev.cairn.agent.init.InitOptions#enabled()}: the agent only snapshots.
   */
  public dev.cairn.agent.init.InitOptions init;

  /** Checks the combination of settings; problems throw with the flag to fix. */
  public AgentConfig validate() {
    if (etcdEndpoint == null) {
      throw new IllegalArgumentException("no etcd endpoint: give --endpoints");
    }
    if (scratchDir == null) {
      throw new IllegalArgumentException("no scratch directory: give --scratch-dir");
    }
    if (deltaPeriod != null && !deltaPeriod.isZero() && deltaPeriod.isNegative()) {
      throw new IllegalArgumentException("--delta-period must be positive, got " + deltaPeriod);
    }
    if (deltaMemoryLimit < 1024) {
      throw new IllegalArgumentException("--delta-memory-limit must be at least 1KiB, got " + deltaMemoryLimit);
    }
    if (heartbeat.isNegative() || heartbeat.isZero()) {
      throw new IllegalArgumentException("--heartbeat must be positive, got " + heartbeat);
    }
    if (archiveRetention != null && archiveRetention.compareTo(Duration.ofHours(1)) < 0) {
      // An archive holds the only copies of the abandoned timeline: a typo such as 10s must not erase it.
      throw new IllegalArgumentException("--archive-retention must be at least 1h, got " + archiveRetention
          + "; leave it out to keep archives");
    }
    return this;
  }

  public boolean backupsEnabled() {
    return store != null;
  }

  public boolean deltasEnabled() {
    return deltaPeriod != null && !deltaPeriod.isZero();
  }
}
