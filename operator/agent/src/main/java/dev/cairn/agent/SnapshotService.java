package dev.cairn.agent;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.etcd.EtcdUnavailableException;
import dev.cairn.agent.etcd.MemberStatus;
import dev.cairn.agent.gc.GarbageCollector;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.lease.MemberRole;
import dev.cairn.agent.metrics.AgentMetrics;
import dev.cairn.agent.restore.TimelineArchiver;
import dev.cairn.agent.snapshot.DeltaCapture;
import dev.cairn.agent.snapshot.DeltaEvent;
import dev.cairn.agent.snapshot.DeltaFormat;
import dev.cairn.agent.snapshot.DeltaSegment;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.FullSnapshotter;
import dev.cairn.agent.snapshot.NotLeaderException;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.snapshot.SnapshotWriter;
import dev.cairn.agent.snapshot.SourceInfo;
import dev.cairn.agent.snapshot.StaleDataException;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoreException;
import dev.cairn.agent.util.Backoff;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshotting agent's engine. A control loop runs every heartbeat: it asks the local member for
 * its status, renews the member Lease, and when the member is the leader (or leader-only is off)
 * keeps the snapshotter active: full snapshots at start when the newest is older than the schedule
 * window and on the cron schedule, delta capture from the newest stored revision + 1, cuts on the
 * period, garbage collection on its period. When leadership moves away it stops and drops what it has
 * not stored; the new leader's agent continues from the store, which is the source of truth.
 *
 * <p>Uploads never overlap a newer stored revision: before storing a delta the uploader re-reads the
 * newest stored end revision and trims or drops what is already covered; a member whose revision is
 * below it does not upload at all (stale data, seed 000).
 */
public final class SnapshotService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

  private final AgentConfig cfg;
  private final EtcdNode etcd;
  private final BackupStore store;
  private final LeasePort leases;
  private final AgentMetrics metrics;
  private final Clock clock;
  private final SnapshotWriter writer;
  private final FullSnapshotter fulls;
  private final GarbageCollector gc;
  private final Backoff backoff;
  private final java.util.function.Supplier<String> tokenHash; // the token file as it is now (an edited Secret)
  private final Path scratch;

  private final ScheduledExecutorService loop = daemonScheduler("agent-control");
  /**
   * Checks for a due delta cut far more often than the heartbeat: a cut noticed only at the next
   * heartbeat would add up to a heartbeat (5 s by default) to the lag of every delta.
   */
  private final ScheduledExecutorService cutTimer = daemonScheduler("agent-delta-cut");
  private final ExecutorService fullExecutor = Executors.newSingleThreadExecutor(daemon("agent-full-snapshot"));
  private final ExecutorService gcExecutor = Executors.newSingleThreadExecutor(daemon("agent-gc"));
  private final Thread uploader;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final DeltaCapture capture;

  private record Pending(
      DeltaSegment segment, long epoch, CompletableFuture<Optional<SnapshotMetadata>> done, long cutNanos) {}

  /** How many recent cut-to-stored times {@link #cutAge} looks at. */
  private static final int UPLOAD_HISTORY = 5;
  /** Cut-to-stored times of the last deltas, in milliseconds (guarded by itself). */
  private final java.util.ArrayDeque<Long> uploadMillis = new java.util.ArrayDeque<>();

  // State below: guarded by this.
  private volatile boolean closed;
  private boolean active;
  private long epoch;
  private boolean hibernating;
  private boolean stale;
  private String staleMessage;
  private volatile MemberStatus lastStatus;
  private volatile String etcdProblem = "no status from etcd yet";
  private volatile String fullProblem;
  private volatile String deltaProblem;
  private volatile String watchProblem;
  private volatile String storeProblem;
  private Future<SnapshotMetadata> fullInFlight;
  private Instant nextFullAt;
  private Instant fullRetryAt;
  private Instant nextGcAt;
  private boolean restartCaptureAfterFull;
  private final AtomicLong storedEnd = new AtomicLong(-1);

  public SnapshotService(
      AgentConfig cfg, EtcdNode etcd, BackupStore store, LeasePort leases, AgentMetrics metrics, Clock clock,
      RevisionSource revisions) throws IOException {
    this.cfg = cfg;
    this.etcd = etcd;
    this.store = store;
    this.leases = leases;
    this.metrics = metrics;
    this.clock = clock;
    this.scratch = cfg.scratchDir;
    Files.createDirectories(scratch);
    clearScratch();
    EncryptionKey key = cfg.encryptionKeyFile == null ? null : EncryptionKey.fromFile(cfg.encryptionKeyFile);
    this.tokenHash = cfg.tokenFile == null ? () -> null : dev.cairn.agent.token.TokenHashFile.of(cfg.tokenFile);
    this.backoff = new Backoff(cfg.retryInitial, cfg.retryMax);
    // No store (backups not configured): no writer, no GC; the loop only watches etcd and renews the Lease.
    this.writer = store == null ? null : new SnapshotWriter(store, cfg.compression, key, scratch, backoff);
    this.fulls = store == null ? null : new FullSnapshotter(etcd, writer, revisions, scratch, clock, cfg.snapshotTimeout);
    this.gc = cfg.gcPolicy == null || store == null ? null
        : new GarbageCollector(store, cfg.gcPolicy, cfg.deltaRetention, cfg.strayGrace, clock,
            cfg.archiveRetention);
    this.capture = new DeltaCapture(etcd.client(), scratch, cfg.deltaMemoryLimit, this::segmentCut,
        new CaptureListener(), clock, cfg.retryInitial);
    this.uploader = new Thread(this::uploadLoop, "agent-delta-upload");
    uploader.setDaemon(true);
  }

  /** Starts the control loop and the delta uploader. */
  public void start() {
    uploader.start();
    loop.scheduleWithFixedDelay(this::tickSafely, 0, cfg.heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    if (cfg.deltasEnabled() && store != null) {
      long every = cutCheckInterval(cfg.deltaPeriod).toMillis();
      cutTimer.scheduleWithFixedDelay(this::cutIfDueSafely, every, every, TimeUnit.MILLISECONDS);
    }
  }

  public AgentMetrics metrics() {
    return metrics;
  }

  /** The backup store, null when backups are not configured. */
  public BackupStore store() {
    return store;
  }

  /** Whether a backup store is configured; without one there are no snapshots and no GC. */
  public boolean backupsEnabled() {
    return store != null;
  }

  /** Whether this agent currently takes snapshots. */
  public synchronized boolean isActive() {
    return active;
  }

  // ---------------------------------------------------------------- control loop

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.error("agent control loop failed; it runs again in {}", cfg.heartbeat, e);
    }
  }

  /** One pass of the control loop; public for tests that drive it by hand. */
  public void tick() {
    if (closed) {
      return;
    }
    MemberStatus status;
    try {
      status = etcd.status();
      lastStatus = status;
      etcdProblem = null;
    } catch (EtcdUnavailableException e) {
      etcdProblem = e.getMessage() + "; check that etcd runs and is reachable";
      updateHealthMetric();
      return;
    }
    renewMemberLease(status);
    boolean shouldSnapshot = store != null && (!cfg.leaderOnly || status.isLeader());
    synchronized (this) {
      if (shouldSnapshot && !active && !hibernating) {
        activate(status);
      } else if (!shouldSnapshot && active) {
        LOG.info("member {} is no longer the leader (leader {}): snapshotting stops here",
            status.memberIdHex(), Long.toHexString(status.leaderId()));
        deactivate();
      }
      metrics.leader(active);
      if (active) {
        scheduledWork(status);
      }
    }
    metrics.deltaBuffered(capture.bufferedBytes(), queue.size());
    updateHealthMetric();
  }

  private void renewMemberLease(MemberStatus status) {
    MemberRole role = MemberRole.MEMBER;
    try {
      if (status.isLeader()) {
        role = MemberRole.LEADER;
      } else if (etcd.isLearner(status.memberId())) {
        role = MemberRole.LEARNER;
      }
      leases.renewMemberLease(LeasePort.memberHolderIdentity(status.memberId(), status.clusterId(), role));
    } catch (Exception e) {
      LOG.warn("cannot renew the member lease: {}", e.toString());
    }
  }

  private void activate(MemberStatus status) {
    SnapshotCatalog catalog;
    try {
      catalog = SnapshotCatalog.of(store.listAll());
      storeProblem = null;
    } catch (IOException e) {
      storeError(e);
      storeProblem = "cannot list the store " + store.describe() + ": " + e.getMessage();
      return;
    }
    long end = catalog.newestEndRevision();
    if (status.revision() < end) {
      if (!stale) {
        LOG.error("member {} has revision {} but the store already holds revision {}: stale data, no uploads",
            status.memberIdHex(), status.revision(), end);
        metrics.snapshotFailed(SnapshotKind.FULL, "stale");
      }
      stale = true;
      staleMessage = new StaleDataException(status.revision(), end, "snapshotter not started").getMessage();
      return;
    }
    stale = false;
    staleMessage = null;
    active = true;
    epoch++;
    storedEnd.set(end);
    catalog.snapshots().forEach(e -> metrics.observeLatest(e.kind(), e.endRevision(), e.created().toEpochMilli()));
    Instant now = clock.instant();
    LOG.info("member {} leads at revision {}: snapshotting to {} from stored revision {}",
        status.memberIdHex(), status.revision(), store.describe(), end);
    var newestFull = catalog.newestFull();
    String newTimeline = newTimelineWithoutBase(newestFull);
    boolean needFull = newestFull.isEmpty() || newTimeline != null
        || cfg.fullSchedule != null && newestFull.get().created().isBefore(cfg.fullSchedule.previous(now));
    nextFullAt = cfg.fullSchedule == null ? null : cfg.fullSchedule.next(now);
    nextGcAt = now.plus(cfg.gcPeriod);
    if (cfg.deltasEnabled()) {
      if (newestFull.isPresent()) {
        capture.start(end + 1);
      } else {
        restartCaptureAfterFull = true;
      }
    }
    if (needFull) {
      submitFull(false, newestFull.isEmpty() ? "no full snapshot in the store" : newTimeline != null ? newTimeline
          : "newest full snapshot is older than the schedule window");
    }
  }

  /**
   * After a restore to an older point (ADR 0008) the live chain ends at the restored revision on an
   * old full snapshot of the abandoned timeline: the new timeline gets a base of its own at once
   * rather than at the next scheduled full. Says why, or null when no such restore awaits its base.
   */
  private String newTimelineWithoutBase(Optional<SnapshotCatalog.Entry> newestFull) {
    try {
      Optional<TimelineArchiver.Record> rec = TimelineArchiver.newestRecord(store);
      if (rec.isEmpty() || !rec.get().done()) {
        return null;
      }
      String after = rec.get().newestFullAfter();
      boolean noOwnBase = newestFull.isEmpty() || after != null && after.equals(newestFull.get().object().name());
      return noOwnBase ? "the restore to revision " + rec.get().revision() + " (archive " + rec.get().archive()
          + ") started a new timeline; this is its base" : null;
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the store's restore records (the new timeline's first full snapshot then waits for the"
          + " schedule): {}", e.toString());
      return null;
    }
  }

  private void deactivate() {
    active = false;
    epoch++;
    restartCaptureAfterFull = false;
    capture.stop();
    List<Pending> dropped = new ArrayList<>();
    queue.drainTo(dropped);
    for (Pending p : dropped) {
      deleteQuietly(p.segment().file());
      p.done().complete(Optional.empty());
    }
    deltaProblem = null;
    watchProblem = null;
    fullProblem = null;
  }

  private void scheduledWork(MemberStatus status) {
    Instant now = clock.instant();
    if (cfg.deltasEnabled() && capture.isRunning()) {
      capture.cutIfDue(cutAge());
    }
    if (nextFullAt != null && !now.isBefore(nextFullAt)) {
      nextFullAt = cfg.fullSchedule.next(now);
      submitFull(false, "schedule " + cfg.fullSchedule);
    } else if (fullRetryAt != null && !now.isBefore(fullRetryAt)) {
      fullRetryAt = null;
      submitFull(false, "retry after a failed full snapshot");
    }
    if (gc != null && !now.isBefore(nextGcAt)) {
      nextGcAt = now.plus(cfg.gcPeriod);
      gcExecutor.submit(this::runGc);
    }
  }

  // ---------------------------------------------------------------- full snapshots

  private synchronized Future<SnapshotMetadata> submitFull(boolean isFinal, String reason) {
    if (fullInFlight != null && !fullInFlight.isDone() && !isFinal) {
      return fullInFlight;
    }
    long myEpoch = epoch;
    fullInFlight = fullExecutor.submit(() -> runFull(isFinal, reason, myEpoch));
    return fullInFlight;
  }

  private SnapshotMetadata runFull(boolean isFinal, String reason, long myEpoch) throws Exception {
    Instant started = clock.instant();
    LOG.info("full snapshot starts ({})", reason);
    try {
      MemberStatus status = etcd.status();
      if (cfg.leaderOnly && !status.isLeader()) {
        throw new NotLeaderException("member " + status.memberIdHex() + " is not the leader");
      }
      SnapshotMetadata meta = fulls.take(source(status), isFinal,
          () -> backoff.run("listing " + store.describe(), this::refreshStoredEnd, () -> !closed, this::storeError),
          () -> !closed, this::storeError);
      Duration took = Duration.between(started, clock.instant());
      metrics.snapshotStored(SnapshotKind.FULL, meta.endRevision(), meta.createdAt().toEpochMilli(), meta.size(), took);
      storedEnd.accumulateAndGet(meta.endRevision(), Math::max);
      fullProblem = null;
      LOG.info("full snapshot {} stored: revision {}, {} bytes, {} ms", meta.object(), meta.endRevision(),
          meta.size(), took.toMillis());
      renewSnapshotLease(SnapshotKind.FULL, meta);
      synchronized (this) {
        if (restartCaptureAfterFull && active && epoch == myEpoch && cfg.deltasEnabled() && !hibernating) {
          restartCaptureAfterFull = false;
          capture.stop();
          capture.start(meta.endRevision() + 1);
          watchProblem = null;
        }
      }
      return meta;
    } catch (Exception e) {
      String cause = cause(e);
      metrics.snapshotFailed(SnapshotKind.FULL, cause);
      fullProblem = "full snapshot failed (" + cause + "): " + e.getMessage();
      LOG.error("full snapshot failed ({}): {}", cause, e.getMessage());
      synchronized (this) {
        if (active && !(e instanceof NotLeaderException)) {
          fullRetryAt = clock.instant().plus(cfg.fullRetryDelay);
        }
      }
      throw e;
    }
  }

  /**
   * Takes a full snapshot now and waits for it. With {@code isFinal} (before hibernation) the agent
   * stops snapshotting afterwards.
   */
  public SnapshotMetadata fullSnapshot(boolean isFinal, Duration timeout)
      throws NotLeaderException, IOException, InterruptedException, TimeoutException {
    Future<SnapshotMetadata> f;
    synchronized (this) {
      checkActive();
      f = submitFull(isFinal, isFinal ? "final snapshot before hibernation" : "on demand");
    }
    try {
      SnapshotMetadata meta = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (isFinal) {
        synchronized (this) {
          hibernating = true;
          deactivate();
        }
        LOG.info("final full snapshot {} stored; snapshotting stops until the agent restarts", meta.object());
      }
      return meta;
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  private void checkActive() throws NotLeaderException {
    requireBackups();
    if (!active) {
      MemberStatus s = lastStatus;
      throw new NotLeaderException(
          hibernating ? "this agent took its final snapshot and is hibernating"
              : stale ? staleMessage
              : "this agent does not take snapshots: its member " + (s == null ? "(unknown)" : s.memberIdHex())
                  + " is not the etcd leader" + (s == null || s.leaderId() == 0 ? "" : " (leader is "
                  + Long.toHexString(s.leaderId()) + "); ask the leader's agent"));
    }
  }

  private static IOException unwrap(ExecutionException e) throws NotLeaderException, InterruptedException {
    Throwable c = e.getCause();
    if (c instanceof NotLeaderException n) {
      throw n;
    }
    if (c instanceof InterruptedException i) {
      throw i;
    }
    if (c instanceof IOException io) {
      return io;
    }
    return new IOException(c.getMessage(), c);
  }

  // ---------------------------------------------------------------- deltas

  /** The segment the current thread just cut, so an on-demand cut can wait for exactly its upload. */
  private final ThreadLocal<Pending> justCut = new ThreadLocal<>();

  private void segmentCut(DeltaSegment seg) {
    Pending p = new Pending(seg, epoch, new CompletableFuture<>(), System.nanoTime());
    justCut.set(p);
    queue.add(p);
  }

  /** How often the cut timer looks: a twentieth of the period, between 50 ms and 1 s. */
  static Duration cutCheckInterval(Duration period) {
    long ms = Math.max(50, Math.min(1000, period.toMillis() / 20));
    return Duration.ofMillis(ms);
  }

  /**
   * How long the oldest buffered event may wait before its delta is cut: the period, less what
   * storing a delta has taken lately (the longest of the last few cut-to-stored times, at most half
   * the period). The event then reaches the store about one period after it arrived, even when the
   * store is slow, instead of a period plus the upload; deltas get smaller when uploads get slower.
   */
  Duration cutAge() {
    return cutAge(cfg.deltaPeriod, recentUploadMillis());
  }

  static Duration cutAge(Duration period, long recentUploadMillis) {
    long lead = Math.min(recentUploadMillis, period.toMillis() / 2);
    return period.minusMillis(Math.max(0, lead));
  }

  private long recentUploadMillis() {
    synchronized (uploadMillis) {
      return uploadMillis.stream().mapToLong(Long::longValue).max().orElse(0);
    }
  }

  private void recordUpload(long millis) {
    synchronized (uploadMillis) {
      if (uploadMillis.size() == UPLOAD_HISTORY) {
        uploadMillis.removeFirst();
      }
      uploadMillis.addLast(millis);
    }
  }

  private void cutIfDueSafely() {
    try {
      synchronized (this) {
        if (!closed && active && capture.isRunning()) {
          capture.cutIfDue(cutAge());
        }
      }
    } catch (RuntimeException e) {
      LOG.error("delta cut check failed; it runs again shortly", e);
    }
  }

  /**
   * Stores one delta holding every event from the newest stored revision up to etcd's revision now
   * (the CLI's {@code --once delta}); empty when there is none.
   */
  public Optional<SnapshotMetadata> onceDelta(Duration timeout)
      throws NotLeaderException, IOException, InterruptedException, TimeoutException {
    long target = etcd.status().revision();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!(capture.isRunning() && capture.lastRevision() >= target)) {
      synchronized (this) {
        checkActive();
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("delta capture did not reach revision " + target + " within " + timeout);
      }
      Thread.sleep(50);
    }
    return deltaSnapshot(timeout);
  }

  /** Cuts the buffered events into a delta now and waits until it is stored; empty when nothing was buffered. */
  public Optional<SnapshotMetadata> deltaSnapshot(Duration timeout)
      throws NotLeaderException, IOException, InterruptedException, TimeoutException {
    Optional<DeltaSegment> seg;
    synchronized (this) {
      checkActive();
      if (!capture.isRunning()) {
        throw new IOException("delta capture is not running (" + (watchProblem == null ? "waiting for the first full"
            + " snapshot" : watchProblem) + ")");
      }
      seg = capture.cut();
    }
    if (seg.isEmpty()) {
      return Optional.empty();
    }
    Pending pending = justCut.get();
    justCut.remove();
    if (pending == null || pending.segment() != seg.get()) {
      throw new IllegalStateException("the cut delta was not queued for upload");
    }
    CompletableFuture<Optional<SnapshotMetadata>> done = pending.done();
    try {
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  private void uploadLoop() {
    while (!closed) {
      Pending p;
      try {
        p = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        Optional<SnapshotMetadata> meta = uploadDelta(p);
        p.done().complete(meta);
      } catch (Exception e) {
        p.done().completeExceptionally(e);
        if (e instanceof InterruptedException) {
          return;
        }
      } finally {
        deleteQuietly(p.segment().file());
      }
    }
  }

  private boolean current(long segEpoch) {
    synchronized (this) {
      return !closed && active && epoch == segEpoch;
    }
  }

  private Optional<SnapshotMetadata> uploadDelta(Pending p) throws Exception {
    DeltaSegment seg = p.segment();
    if (!current(p.epoch())) {
      return Optional.empty();
    }
    MemberStatus status = lastStatus;
    long stored;
    try {
      stored = backoff.run("listing " + store.describe(), this::refreshStoredEnd, () -> current(p.epoch()),
          this::storeError);
    } catch (Backoff.GaveUpException e) {
      return Optional.empty();
    }
    if (stored >= seg.endRevision()) {
      LOG.warn("delta {}..{} is already covered by the store (revision {}); dropped", seg.startRevision(),
          seg.endRevision(), stored);
      return Optional.empty();
    }
    if (stored >= seg.startRevision()) {
      LOG.warn("delta {}..{} overlaps the store (revision {}, another agent stored it); trimming", seg.startRevision(),
          seg.endRevision(), stored);
      seg = trim(seg, stored);
    } else if (stored + 1 < seg.startRevision()) {
      LOG.warn("delta {}..{} does not follow the newest stored revision {}: revisions {}..{} are not in any delta",
          seg.startRevision(), seg.endRevision(), stored, stored + 1, seg.startRevision() - 1);
    }
    Instant created = clock.instant();
    SnapshotName name = writer.name(SnapshotKind.DELTA, seg.startRevision(), seg.endRevision(), created);
    SnapshotMetadata meta;
    try {
      meta = writer.write(name, seg.file(), null, source(status), seg.eventCount(), false,
          () -> current(p.epoch()), this::storeError);
    } catch (Backoff.GaveUpException e) {
      metrics.snapshotFailed(SnapshotKind.DELTA, current(p.epoch()) ? "store" : "not-leader");
      return Optional.empty();
    }
    deltaProblem = null;
    storeProblem = null;
    storedEnd.accumulateAndGet(meta.endRevision(), Math::max);
    recordUpload((System.nanoTime() - p.cutNanos()) / 1_000_000);
    Duration lag = seg.firstEventAt() == null ? Duration.ZERO : Duration.between(seg.firstEventAt(), clock.instant());
    metrics.snapshotStored(SnapshotKind.DELTA, meta.endRevision(), created.toEpochMilli(), meta.size(), lag);
    metrics.deltaLag(lag);
    metrics.deltaEvents(meta.eventCount());
    renewSnapshotLease(SnapshotKind.DELTA, meta);
    LOG.debug("delta {} stored: {} events, {} bytes", meta.object(), meta.eventCount(), meta.size());
    return Optional.of(meta);
  }

  /** Rewrites a segment without the events at or below {@code stored}. */
  private DeltaSegment trim(DeltaSegment seg, long stored) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buf);
    long[] count = {0};
    long[] end = {stored};
    try (InputStream in = Files.newInputStream(seg.file())) {
      DeltaFormat.read(in, e -> {
        if (e.modRevision() > stored) {
          try {
            DeltaFormat.encodeEvent(out, e);
          } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
          }
          count[0]++;
          end[0] = e.modRevision();
        }
      });
    }
    Path file = Files.createTempFile(scratch, "delta-trim-", ".delta");
    try (OutputStream o = Files.newOutputStream(file)) {
      DeltaFormat.write(o, stored + 1, end[0], count[0], buf.toByteArray(), buf.size());
    }
    deleteQuietly(seg.file());
    return new DeltaSegment(stored + 1, end[0], count[0], file, seg.firstEventAt());
  }

  private long refreshStoredEnd() throws IOException {
    try {
      long end = SnapshotCatalog.of(store.listAll()).newestEndRevision();
      storedEnd.accumulateAndGet(end, Math::max);
      return end;
    } catch (IOException e) {
      throw e;
    }
  }

  private final class CaptureListener implements DeltaCapture.Listener {
    @Override
    public void compacted(long compactRevision) {
      metrics.snapshotFailed(SnapshotKind.DELTA, "compacted");
      watchProblem = "the delta watch start revision was compacted (compaction at " + compactRevision
          + "); a full snapshot replaces the lost deltas";
      synchronized (SnapshotService.this) {
        if (active) {
          restartCaptureAfterFull = true;
          submitFull(false, "watch revision compacted at " + compactRevision);
        }
      }
    }

    @Override
    public void watchError(Throwable error) {
      metrics.snapshotFailed(SnapshotKind.DELTA, "watch");
      watchProblem = "delta watch failed: " + error + "; reconnecting";
    }

    @Override
    public void watchHealthy() {
      watchProblem = null;
    }
  }

  // ---------------------------------------------------------------- GC, latest, health

  private void runGc() {
    try {
      GarbageCollector.Result r = gc.run();
      r.deleted().forEach(metrics::gcDeleted);
      metrics.gcArchivesRemoved(r.archives());
    } catch (IOException e) {
      storeError(e);
      LOG.warn("garbage collection failed, it runs again in {}: {}", cfg.gcPeriod, e.getMessage());
    }
  }

  /** Runs one garbage collection now (tests, CLI). */
  public Optional<GarbageCollector.Result> collectGarbage() throws IOException {
    if (gc == null) {
      return Optional.empty();
    }
    GarbageCollector.Result r = gc.run();
    r.deleted().forEach(metrics::gcDeleted);
    metrics.gcArchivesRemoved(r.archives());
    return Optional.of(r);
  }

  /** The newest full snapshot and the deltas after it, with their metadata read from the store. */
  public List<SnapshotMetadata> latest() throws IOException {
    requireBackups();
    SnapshotCatalog catalog = SnapshotCatalog.of(store.listAll());
    List<SnapshotMetadata> out = new ArrayList<>();
    for (SnapshotCatalog.Entry e : catalog.newestChain()) {
      try (InputStream in = store.get(e.metadata().name())) {
        out.add(SnapshotMetadata.fromJson(in.readAllBytes()));
      }
    }
    return out;
  }

  public Health health() {
    List<String> problems = new ArrayList<>();
    if (etcdProblem != null) {
      problems.add(etcdProblem);
    }
    synchronized (this) {
      if (stale) {
        problems.add(staleMessage);
      }
    }
    for (String p : new String[] {storeProblem, fullProblem, deltaProblem, watchProblem}) {
      if (p != null) {
        problems.add(p);
      }
    }
    return new Health(problems.isEmpty(), problems);
  }

  private void updateHealthMetric() {
    metrics.healthy(health().healthy());
  }

  private void storeError(Exception e) {
    String op = e instanceof StoreException se ? se.operation() : "other";
    metrics.storeError(op);
    storeProblem = "backup store " + store.describe() + " failing: " + e.getMessage() + "; retrying with backoff";
    if (e instanceof StoreException) {
      deltaProblem = storeProblem;
    }
    LOG.warn("store call failed (retrying): {}", e.getMessage());
  }

  private void renewSnapshotLease(SnapshotKind kind, SnapshotMetadata meta) {
    try {
      leases.renewSnapshotLease(kind, meta.endRevision(), meta.createdAt());
    } catch (Exception e) {
      LOG.warn("cannot renew the {} snapshot lease: {}", kind.token(), e.toString());
    }
  }

  private SourceInfo source(MemberStatus s) {
    return new SourceInfo(
        s == null ? null : s.clusterIdHex(), s == null ? null : s.memberIdHex(), cfg.memberName,
        s == null ? null : s.version(), tokenHash.get());
  }

  private static String cause(Exception e) {
    if (e instanceof NotLeaderException) {
      return "not-leader";
    }
    if (e instanceof StaleDataException) {
      return "stale";
    }
    if (e instanceof EtcdUnavailableException) {
      return "etcd";
    }
    if (e instanceof StoreException || e instanceof Backoff.GaveUpException) {
      return "store";
    }
    if (e.getMessage() != null && e.getMessage().contains("verification")) {
      return "verification";
    }
    if (e instanceof IOException) {
      return "io";
    }
    return "other";
  }

  private void clearScratch() throws IOException {
    try (var s = Files.list(scratch)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith("full-") || n.startsWith("delta-") || n.startsWith("upload-")) {
          deleteQuietly(p);
        }
      }
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // scratch files are cleared again at the next start
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static ScheduledExecutorService daemonScheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(daemon(name));
  }

  @Override
  public void close() {
    closed = true;
    loop.shutdownNow();
    cutTimer.shutdownNow();
    synchronized (this) {
      deactivate();
    }
    capture.close();
    uploader.interrupt();
    fullExecutor.shutdownNow();
    gcExecutor.shutdownNow();
    try {
      fullExecutor.awaitTermination(10, TimeUnit.SECONDS);
      uploader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What the snapshot endpoints answer (409) when no store is configured. */
  public static final String BACKUPS_NOT_CONFIGURED = "backups are not configured (spec.backup)";

  private void requireBackups() {
    if (store == null) {
      throw new BackupsNotConfiguredException();
    }
  }

  /** A snapshot or the store's content was asked of an agent without a store. */
  public static final class BackupsNotConfiguredException extends IllegalStateException {
    BackupsNotConfiguredException() {
      super(BACKUPS_NOT_CONFIGURED + ": this agent has no --store and takes no snapshots; add spec.backup to the"
          + " Etcd to enable them");
    }
  }

  /** For tests: the latest status seen from etcd. */
  MemberStatus lastStatus() {
    return lastStatus;
  }

  /** For tests and the CLI: the events of a stored delta. */
  public static List<DeltaEvent> readDelta(BackupStore store, SnapshotName name, EncryptionKey key) throws IOException {
    try (InputStream in = SnapshotWriter.openPlain(store, name, key)) {
      return DeltaFormat.readAll(in);
    }
  }
}
