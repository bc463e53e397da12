package dev.cairn.agent.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.agent.snapshot.DeltaFormat;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.snapshot.SnapshotWriter;
import dev.cairn.agent.snapshot.SourceInfo;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoredObject;
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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a new timeline in the store when a restore goes back to revision R, older than the newest
 * stored one (ADR 0008): the live listing must end at R, or the next start of the restored member
 * would judge it stale and restore the abandoned newer state over it, and new writes would reuse
 * revision numbers that already name stored objects.
 *
 * <p>Steps, each safe to crash in and to run again with the same archive id:
 *
 * <ol>
 *   <li>the record {@code archive/ID/restore.json} (state {@code archiving}) names R and the target;
 *   <li>a delta of the plan that runs past R is replaced by a trimmed copy ending at R (written to
 *       the live store; the original goes to the archive like the rest), so that the live chain
 *       still reaches R and a rerun can plan the same restore;
 *   <li>every live snapshot whose end revision is above R (object, then metadata) is copied into
 *       {@code archive/ID/}; then its metadata file and its object are removed from the live store,
 *       newest first, so that after any crash the live listing is a consistent prefix of the old
 *       chain (a "latest" restore of it gives a state the old cluster really had);
 *   <li>the record turns {@code done}, naming the objects moved and the newest live full snapshot,
 *       which tells the snapshotter to take the new timeline's base promptly.
 * </ol>
 *
 * Nothing is deleted that was not first copied into the archive; the archive itself is never
 * listed by readers of the live chain. Garbage collection leaves it alone unless an archive
 * retention is set, and then takes only folders whose record says {@code done}.
 */
public final class TimelineArchiver {

  private static final Logger LOG = LoggerFactory.getLogger(TimelineArchiver.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The record of a restore in its archive folder. */
  public static final String RECORD = "restore.json";

  /**
   * A restore's record.
   *
   * @param archive the archive id (folder below {@code archive/})
   * @param revision the revision the restore reached: the new timeline starts above it
   * @param target what was asked, for people
   * @param state {@code archiving} or {@code done}
   * @param startedAt when the archiving started
   * @param moved names moved into the archive (done only)
   * @param trimmed the live delta written to end at {@code revision}, or null
   * @param newestFullAfter the newest live full snapshot when done (null: none); while it is still the
   *     newest, the new timeline has no base of its own yet
   */
  public record Record(String archive, long revision, String target, String state, Instant startedAt,
      List<String> moved, String trimmed, String newestFullAfter) {

    public boolean done() {
      return "done".equals(state);
    }

    byte[] toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("formatVersion", 1);
      n.put("archive", archive);
      n.put("revision", revision);
      n.put("target", target);
      n.put("state", state);
      n.put("startedAt", startedAt.toString());
      ArrayNode a = n.putArray("moved");
      moved.forEach(a::add);
      n.put("trimmed", trimmed);
      n.put("newestFullAfter", newestFullAfter);
      try {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
      } catch (IOException e) {
        throw new IllegalStateException("cannot serialise a restore record", e);
      }
    }

    static Record fromJson(byte[] json) throws IOException {
      JsonNode n = JSON.readTree(json);
      if (n == null || !n.isObject() || n.path("formatVersion").asInt(-1) != 1) {
        throw new IOException("not a restore record (format version 1)");
      }
      List<String> moved = new ArrayList<>();
      n.path("moved").forEach(x -> moved.add(x.asText()));
      return new Record(n.path("archive").asText(), n.path("revision").asLong(-1), n.path("target").asText(""),
          n.path("state").asText(""), Instant.parse(n.path("startedAt").asText()), moved,
          n.hasNonNull("trimmed") ? n.get("trimmed").asText() : null,
          n.hasNonNull("newestFullAfter") ? n.get("newestFullAfter").asText() : null);
    }
  }

  private final BackupStore store;
  private final EncryptionKey key;
  private final Path scratch;
  private final Clock clock;
  private final int attempts;
  private Consumer<String> progress = m -> {};

  /**
   * @param key the encryption key (a trimmed delta of an encrypted one is encrypted with it)
   * @param scratch where the delta to trim is downloaded
   */
  public TimelineArchiver(BackupStore store, EncryptionKey key, Path scratch, Clock clock) {
    this.store = store;
    this.key = key;
    this.scratch = scratch;
    this.clock = clock;
    this.attempts = 3;
  }

  public TimelineArchiver onProgress(Consumer<String> p) {
    this.progress = p == null ? m -> {} : p;
    return this;
  }

  /** The store's newest restore record, if any archive holds one (the snapshotter asks at activation). */
  public static Optional<Record> newestRecord(BackupStore store) throws IOException {
    List<String> ids = store.listArchives();
    Record best = null;
    for (String id : ids) {
      Optional<Record> r;
      try {
        r = readRecord(store, id);
      } catch (IllegalArgumentException e) {
        // A folder under archive/ made by hand, under a name no restore gives: not a record to weigh.
        LOG.warn("skipping {}: {}", BackupStore.ARCHIVE_DIR + "/" + id + "/", e.getMessage());
        continue;
      } catch (UnreadableRecord e) {
        // One torn or hand-edited record must not stop every other archive (and the new timeline's
        // base) from being found; archive-remove still refuses that folder on its own.
        LOG.warn("skipping {}: {}", BackupStore.ARCHIVE_DIR + "/" + id + "/" + RECORD, e.getMessage());
        continue;
      }
      if (r.isPresent() && (best == null || r.get().startedAt().isAfter(best.startedAt()))) {
        best = r.get();
      }
    }
    return Optional.ofNullable(best);
  }

  /** The record of archive {@code id}, empty when there is none. */
  public static Optional<Record> readRecord(BackupStore store, String id) throws IOException {
    boolean present = store.listArchived(id).stream().anyMatch(o -> o.name().equals(RECORD));
    if (!present) {
      return Optional.empty();
    }
    byte[] raw;
    try (InputStream in = store.getArchived(id, RECORD)) {
      raw = in.readAllBytes();
    }
    try {
      return Optional.of(Record.fromJson(raw));
    } catch (IOException | RuntimeException e) {
      throw new UnreadableRecord("the record " + BackupStore.ARCHIVE_DIR + "/" + id + "/" + RECORD + " in "
          + store.describe() + " cannot be parsed (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
          e);
    }
  }

  /** A record that was read from the store but does not parse (the store itself answered). */
  public static final class UnreadableRecord extends IOException {
    UnreadableRecord(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Sets aside everything above {@code plan.revision()} into archive {@code archiveId}. Idempotent:
   * a rerun with the same id and plan finishes what a crashed run left.
   */
  public Record archive(String archiveId, RestorePlan plan) throws RestoreException, InterruptedException {
    BackupStore.checkArchive(archiveId);
    long r = plan.revision();
    try {
      Optional<Record> existing = readRecord(store, archiveId);
      if (existing.isPresent() && existing.get().revision() != r) {
        throw new RestoreException(RestoreException.Reason.OLDER_THAN_STORE,
            "archive " + archiveId + " in " + store.describe() + " already records a restore to revision "
                + existing.get().revision() + ", not " + r + ": use another restore id for another restore");
      }
      // A crashed run is resumed with its own start time. A rerun of a finished one may move newer
      // snapshots into the folder again: it is a new archiving, marked as such (and dated now) before
      // anything moves, so that archive retention (GarbageCollector) never takes a folder being filled.
      boolean resuming = existing.isPresent() && !existing.get().done();
      Instant started = resuming ? existing.get().startedAt() : clock.instant();
      List<String> movedBefore = existing.map(Record::moved).orElse(List.of());
      store.putArchived(archiveId, RECORD, new Record(archiveId, r, plan.target().describe(), "archiving", started,
          movedBefore, existing.map(Record::trimmed).orElse(null), null).toJson());
      String trimmed = trimStraddlingDelta(plan);
      List<StoredObject> listing = store.listAll();
      // Every name that parses as a snapshot object or metadata file with END > R, trusted or not.
      TreeMap<String, List<StoredObject>> byBase = new TreeMap<>(Comparator.reverseOrder());
      for (StoredObject o : listing) {
        Optional<SnapshotName> n = SnapshotName.parseObject(o.name());
        Optional<String> base = n.map(SnapshotName::baseName).or(() -> SnapshotName.metadataBaseName(o.name()));
        if (base.isEmpty() || endOf(base.get()) <= r) {
          continue;
        }
        byBase.computeIfAbsent(base.get(), b -> new ArrayList<>()).add(o);
      }
      List<String> moved = new ArrayList<>(movedBefore);
      int count = 0;
      for (var e : byBase.entrySet()) {
        List<StoredObject> files = e.getValue();
        // Object first, then metadata: the archive holds a trusted snapshot as soon as its metadata is there.
        files.sort(Comparator.comparing((StoredObject o) -> SnapshotName.metadataBaseName(o.name()).isPresent()));
        for (StoredObject o : files) {
          retry("archiving " + o.name(), () -> store.archiveCopy(o.name(), archiveId));
        }
        // Metadata first, then object: the live snapshot stops being trusted before it goes.
        for (int i = files.size() - 1; i >= 0; i--) {
          String n = files.get(i).name();
          retry("removing " + n + " from the live listing", () -> store.delete(n));
          if (!moved.contains(n)) {
            moved.add(n);
          }
        }
        count++;
      }
      SnapshotCatalog after = SnapshotCatalog.of(store.listAll());
      // An old member still running uploads its object first and its metadata later: an object above R
      // without metadata yet is a snapshot about to become trusted on the abandoned timeline.
      Optional<String> uploading = after.untrustedObjects().stream().map(StoredObject::name)
          .filter(n -> SnapshotName.parseObject(n).map(sn -> endOf(sn.baseName()) > r).orElse(false))
          .findFirst();
      if (after.newestEndRevision() > r || uploading.isPresent()) {
        throw new RestoreException(RestoreException.Reason.STORE, "after archiving, " + store.describe()
            + " still lists a snapshot above revision " + r
            + uploading.map(n -> " (" + n + ", uploaded without its metadata yet)").orElse("")
            + " (another agent is still uploading?); stop every"
            + " member of the old cluster and run the restore again with the same id (" + archiveId + ")");
      }
      String newestFull = after.newestFull().map(f -> f.object().name()).orElse(null);
      Record done = new Record(archiveId, r, plan.target().describe(), "done", started, moved,
          trimmed != null ? trimmed : existing.map(Record::trimmed).orElse(null), newestFull);
      store.putArchived(archiveId, RECORD, done.toJson());
      String msg = "new timeline from revision " + r + ": " + count + " snapshot(s) above it moved by this run ("
          + moved.size() + " file(s) in all) to " + BackupStore.ARCHIVE_DIR + "/" + archiveId + "/ in "
          + store.describe()
          + (trimmed != null ? "; delta " + trimmed + " ends the live chain at " + r : "");
      LOG.info(msg);
      progress.accept(msg);
      return done;
    } catch (RestoreException e) {
      throw e;
    } catch (InterruptedException e) {
      throw e;
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.STORE, "setting the snapshots above revision " + r
          + " aside into archive " + archiveId + " of " + store.describe() + " failed: " + e.getMessage()
          + "; nothing was deleted that is not in the archive, and the same restore run again finishes the job", e);
    }
  }

  /**
   * When the plan's last delta runs past its revision, stores a copy of it holding only the events up
   * to the revision (same source, compression and key), unless a rerun stored it already. Returns
   * its object name, or null when no delta straddles the revision.
   */
  private String trimStraddlingDelta(RestorePlan plan) throws IOException, InterruptedException {
    if (plan.deltas().isEmpty()) {
      return null;
    }
    SnapshotCatalog.Entry last = plan.deltas().get(plan.deltas().size() - 1);
    long r = plan.revision();
    if (last.endRevision() <= r) {
      return null;
    }
    SnapshotCatalog now = SnapshotCatalog.of(store.listAll());
    for (SnapshotCatalog.Entry e : now.snapshots()) {
      if (e.kind() == SnapshotKind.DELTA && e.startRevision() == last.startRevision() && e.endRevision() == r) {
        return e.object().name(); // a rerun: trimmed before
      }
    }
    ObjectFetcher fetcher = new ObjectFetcher(store, key, scratch);
    SnapshotMetadata m = fetcher.metadata(last);
    Path plain = fetcher.fetch(last, m);
    Path out = null;
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream data = new DataOutputStream(buf);
      long[] count = {0};
      long[] lastRev = {0};
      try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(plain), 1 << 16)) {
        DeltaFormat.read(in, ev -> {
          if (ev.modRevision() <= r) {
            try {
              DeltaFormat.encodeEvent(data, ev);
            } catch (IOException impossible) {
              throw new IllegalStateException(impossible);
            }
            count[0]++;
            lastRev[0] = ev.modRevision();
          }
        });
      }
      if (lastRev[0] != r) {
        throw new RestoreException(RestoreException.Reason.CORRUPT_OBJECT, "delta " + last.object().name()
            + " holds no event at revision " + r + " (the last one at or below it is " + lastRev[0]
            + "), although the restore reached it; nothing was archived");
      }
      out = Files.createTempFile(scratch, "delta-trim-", ".delta");
      try (OutputStream o = Files.newOutputStream(out)) {
        DeltaFormat.write(o, last.startRevision(), r, count[0], buf.toByteArray(), buf.size());
      }
      SnapshotWriter writer = new SnapshotWriter(store, m.compression(), m.encrypted() ? key : null, scratch,
          new Backoff(Duration.ofMillis(500), Duration.ofSeconds(5)));
      SnapshotName name = writer.name(SnapshotKind.DELTA, last.startRevision(), r, clock.instant());
      AtomicInteger tries = new AtomicInteger();
      try {
        writer.write(name, out, null,
            new SourceInfo(m.etcdClusterId(), m.etcdMemberId(), m.member(), m.etcdVersion(), m.tokenHash()),
            count[0], false, () -> tries.incrementAndGet() < attempts, e -> LOG.warn("{}", e.getMessage()));
      } catch (Backoff.GaveUpException e) {
        throw new IOException(e.getMessage(), e);
      }
      LOG.info("delta {} trimmed to revisions {}..{} as {}", last.object().name(), last.startRevision(), r,
          name.objectName());
      return name.objectName();
    } finally {
      Files.deleteIfExists(plain);
      if (out != null) {
        Files.deleteIfExists(out);
      }
    }
  }

  private static long endOf(String baseName) {
    return Long.parseLong(baseName.substring(0, 19));
  }

  private interface StoreCall {
    void run() throws IOException;
  }

  private void retry(String what, StoreCall call) throws IOException, InterruptedException {
    for (int i = 1; ; i++) {
      try {
        call.run();
        return;
      } catch (IOException e) {
        if (i >= attempts) {
          throw new IOException(what + ": " + e.getMessage(), e);
        }
        LOG.warn("{} failed (attempt {} of {}): {}", what, i, attempts, e.getMessage());
        Thread.sleep(500L * i);
      }
    }
  }
}
