package dev.cairn.agent.snapshot;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures every change of the keyspace from a start revision on, with one etcd watch, and cuts the
 * events into delta segments on the scratch disk: on demand (the period, the API) or as soon as the
 * buffer reaches its memory limit. Segments are cut only between revisions, so a transaction is
 * never split.
 *
 * <p>The capture tracks the last revision it holds. When the watch breaks for any reason but
 * compaction it is reopened from that revision + 1, and events at or below it are dropped: nothing is
 * lost or duplicated across reconnects. A compacted start revision is reported to the listener,
 * which takes a full snapshot instead.
 */
public final class DeltaCapture implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeltaCapture.class);
  private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});

  /** Receives cut segments, in revision order. */
  @FunctionalInterface
  public interface SegmentSink {
    void accept(DeltaSegment segment);
  }

  /** Watch trouble the owner must act on. */
  public interface Listener {
    /** The start revision was compacted away: deltas cannot continue without a full snapshot. */
    void compacted(long compactRevision);

    /** The watch broke and will be reopened; repeated calls mean etcd is unreachable. */
    void watchError(Throwable error);

    /** Events arrived again after an error. */
    void watchHealthy();
  }

  /** Writes one segment file; a seam so unit tests can make the scratch disk fail. */
  @FunctionalInterface
  interface SegmentWriter {
    void write(OutputStream out, long start, long end, long count, byte[] records, int length) throws IOException;
  }

  /** The longest a failed automatic cut holds the next one back (shorter when the period is). */
  static final Duration CUT_RETRY_LIMIT = Duration.ofSeconds(5);

  private final Client client;
  private final Path scratch;
  private final long memoryLimit;
  private final SegmentSink sink;
  private final Listener listener;
  private final Clock clock;
  private final Duration reconnectDelay;
  private final ScheduledExecutorService reconnect =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "delta-watch-reconnect");
        t.setDaemon(true);
        return t;
      });

  // All below guarded by this.
  private Watch.Watcher watcher;
  private long generation;
  private boolean running;
  private long lastRevision; // last revision whose events are all held (buffered or cut)
  private long segmentStart; // start revision of the open segment
  private RecordBuffer records = new RecordBuffer();
  private DataOutputStream recordsOut = new DataOutputStream(records);
  private long eventCount;
  private long segmentEnd;
  private Instant firstEventAt;
  private boolean inError;
  private SegmentWriter segmentWriter = DeltaFormat::write;
  private Duration cutRetryDelay = CUT_RETRY_LIMIT;
  private Instant cutRetryAt; // after a failed cut, automatic cuts wait until then

  public DeltaCapture(
      Client client, Path scratch, long memoryLimit, SegmentSink sink, Listener listener, Clock clock,
      Duration reconnectDelay) {
    this.client = client;
    this.scratch = scratch;
    this.memoryLimit = memoryLimit;
    this.sink = sink;
    this.listener = listener;
    this.clock = clock;
    this.reconnectDelay = reconnectDelay;
  }

  /** Starts capturing at {@code fromRevision} (the newest stored end revision + 1). */
  public synchronized void start(long fromRevision) {
    if (running) {
      throw new IllegalStateException("delta capture already running from " + segmentStart);
    }
    running = true;
    lastRevision = fromRevision - 1;
    segmentStart = fromRevision;
    resetBuffer();
    openWatch();
  }

  public synchronized boolean isRunning() {
    return running;
  }

  /** The last revision captured (buffered or cut). */
  public synchronized long lastRevision() {
    return lastRevision;
  }

  /** Bytes of events buffered in memory now. */
  public synchronized long bufferedBytes() {
    return records.size();
  }

  private void openWatch() {
    long gen = ++generation;
    long from = lastRevision + 1;
    WatchOption opt =
        WatchOption.builder().withRange(ALL).withRevision(from).withPrevKV(false).withRequireLeader(true).build();
    try {
      watcher = client.getWatchClient().watch(ALL, opt, Watch.listener(r -> onResponse(gen, r), t -> onError(gen, t)));
    } catch (RuntimeException e) {
      onError(gen, e);
    }
  }

  private synchronized void onResponse(long gen, WatchResponse r) {
    if (gen != generation || !running) {
      return;
    }
    if (inError) {
      inError = false;
      listener.watchHealthy();
    }
    long newest = lastRevision;
    for (WatchEvent e : r.getEvents()) {
      KeyValue kv = e.getKeyValue();
      long rev = kv.getModRevision();
      if (rev <= lastRevision) {
        continue; // already held: a resumed watch replays from where jetcd thinks it was
      }
      DeltaEvent.Type type =
          switch (e.getEventType()) {
            case PUT -> DeltaEvent.Type.PUT;
            case DELETE -> DeltaEvent.Type.DELETE;
            default -> throw new IllegalStateException("unknown watch event type " + e.getEventType() + " at " + rev);
          };
      hold(new DeltaEvent(type, kv.getKey().getBytes(), kv.getValue().getBytes(), kv.getCreateRevision(), rev,
          kv.getVersion(), kv.getLease()));
      newest = Math.max(newest, rev);
    }
    // A watch response never splits a revision, so every revision up to the newest event is complete.
    lastRevision = newest;
    if (records.size() >= memoryLimit && !cutHeldBack()) {
      cutLocked();
    }
  }

  /**
   * Buffers one event; the caller moves lastRevision once a revision is complete (package-private:
   * unit tests feed events without etcd).
   */
  synchronized void hold(DeltaEvent ev) {
    try {
      DeltaFormat.encodeEvent(recordsOut, ev);
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
    if (eventCount == 0) {
      firstEventAt = clock.instant();
    }
    eventCount++;
    segmentEnd = ev.modRevision();
  }

  /** Test seam: replaces the segment file writer. */
  synchronized void segmentWriter(SegmentWriter w) {
    this.segmentWriter = w;
  }

  /** Whether a recent failed cut holds automatic cuts back (explicit cuts always try). */
  private boolean cutHeldBack() {
    return cutRetryAt != null && clock.instant().isBefore(cutRetryAt);
  }

  private void onError(long gen, Throwable t) {
    synchronized (this) {
      if (gen != generation || !running) {
        return;
      }
      generation++; // ignore anything more from this watcher
      closeWatcher();
      if (t instanceof CompactedException ce) {
        running = false;
        LOG.warn("delta watch from revision {} hit compaction at {}: a full snapshot is needed",
            lastRevision + 1, ce.getCompactedRevision());
      } else {
        inError = true;
      }
    }
    if (t instanceof CompactedException ce) {
      listener.compacted(ce.getCompactedRevision());
      return;
    }
    LOG.warn("delta watch broke ({}); reopening from revision {} in {}", t.toString(), lastRevision() + 1, reconnectDelay);
    listener.watchError(t);
    try {
      reconnect.schedule(this::reopen, reconnectDelay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // stopping
    }
  }

  private synchronized void reopen() {
    if (running) {
      openWatch();
    }
  }

  private void closeWatcher() {
    if (watcher != null) {
      try {
        watcher.close();
      } catch (RuntimeException ignored) {
        // the watch stream is already gone
      }
      watcher = null;
    }
  }

  /**
   * Cuts a segment when the oldest buffered event has been held for {@code maxAge}. Measured from the
   * oldest event rather than from the last cut: the event that waits longest is what bounds the lag
   * from commit to stored delta, whatever the timing of earlier cuts.
   */
  public synchronized Optional<DeltaSegment> cutIfDue(Duration maxAge) {
    cutRetryDelay = maxAge.compareTo(CUT_RETRY_LIMIT) < 0 ? maxAge : CUT_RETRY_LIMIT;
    if (eventCount > 0 && !clock.instant().isBefore(firstEventAt.plus(maxAge)) && !cutHeldBack()) {
      return cutLocked();
    }
    return Optional.empty();
  }

  /** When the oldest buffered event arrived; empty when nothing is buffered. */
  public synchronized Optional<Instant> oldestEventAt() {
    return eventCount == 0 ? Optional.empty() : Optional.of(firstEventAt);
  }

  /** Cuts the buffered events into a segment now; empty when nothing is buffered. */
  public synchronized Optional<DeltaSegment> cut() {
    return cutLocked();
  }

  private Optional<DeltaSegment> cutLocked() {
    if (eventCount == 0) {
      return Optional.empty();
    }
    DeltaSegment seg;
    Path file = null;
    try {
      Files.createDirectories(scratch);
      file = Files.createTempFile(scratch, String.format("delta-%019d-", segmentEnd), ".delta");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        segmentWriter.write(out, segmentStart, segmentEnd, eventCount, bufferArray(), records.size());
      }
      seg = new DeltaSegment(segmentStart, segmentEnd, eventCount, file, firstEventAt);
    } catch (IOException e) {
      // Keep the events buffered; the next cut tries again. The memory limit is then exceeded, but
      // nothing is lost, and the scratch disk problem shows in health and logs. The partial file
      // goes (a full disk must not fill further), and automatic cuts wait a while instead of
      // retrying at every timer tick.
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException | RuntimeException gone) {
          LOG.warn("cannot delete the partial delta segment {}: {}", file, gone.toString());
        }
      }
      cutRetryAt = clock.instant().plus(cutRetryDelay);
      LOG.error("cannot write a delta segment to the scratch directory {} (next automatic try in {}): {}", scratch,
          cutRetryDelay, e.toString());
      listener.watchError(e);
      return Optional.empty();
    }
    cutRetryAt = null;
    segmentStart = segmentEnd + 1;
    resetBuffer();
    sink.accept(seg);
    return Optional.of(seg);
  }

  private byte[] bufferArray() {
    return records.raw();
  }

  /** Exposes its array so a cut writes it without a second copy on the heap. */
  private static final class RecordBuffer extends ByteArrayOutputStream {
    RecordBuffer() {
      super(64 * 1024);
    }

    byte[] raw() {
      return buf;
    }
  }

  private void resetBuffer() {
    records = new RecordBuffer();
    recordsOut = new DataOutputStream(records);
    eventCount = 0;
    firstEventAt = null;
  }

  /** Stops the watch and drops whatever is buffered (a new leader re-reads it from etcd). */
  public synchronized void stop() {
    running = false;
    generation++;
    closeWatcher();
    resetBuffer();
  }

  @Override
  public void close() {
    stop();
    reconnect.shutdownNow();
  }
}
