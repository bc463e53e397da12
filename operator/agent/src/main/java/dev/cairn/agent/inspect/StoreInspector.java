package dev.cairn.agent.inspect;

import dev.cairn.agent.restore.ChainPlanner;
import dev.cairn.agent.restore.ObjectFetcher;
import dev.cairn.agent.restore.RestoreException;
import dev.cairn.agent.restore.RestorePlan;
import dev.cairn.agent.restore.RestoreTarget;
import dev.cairn.agent.restore.TimelineArchiver;
import dev.cairn.agent.restore.TokenPreflight;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.snapshot.TokenHash;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Read-only looks at a backup store for people (the {@code cairn store} commands): the live
 * snapshots with their metadata, the archives of restores and their records, one snapshot's metadata
 * and token hash, and a verification of objects or chains without restoring them. The store's own
 * readers do the work: {@link SnapshotCatalog} (which objects count), {@link ObjectFetcher} (metadata
 * agreement, key, sizes, hashes, decryption, trailer, db revision, delta checksums),
 * {@link ChainPlanner} (which objects a chain needs and whether its revisions are continuous),
 * {@link TimelineArchiver} (restore records). The one change it makes is
 * {@link #removeArchive(String)}.
 */
public final class StoreInspector {

  private final BackupStore store;

  public StoreInspector(BackupStore store) {
    this.store = store;
  }

  /** A request that cannot be met as asked (an unknown name, an archive that must stay): the message says why. */
  public static class Refused extends Exception {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * An archive whose restore record is missing or unreadable: nothing says whether its restore finished,
   * so its files may be the only copies of snapshots gone from the live store. Only an explicit force removes it.
   */
  public static final class RecordUnknown extends Refused {
    public RecordUnknown(String message) {
      super(message);
    }
  }

  /** One live snapshot, with its metadata file read (null and a problem when it cannot be used). */
  public record Row(SnapshotCatalog.Entry entry, SnapshotMetadata metadata, String problem, boolean newestChain) {}

  /**
   * The live store: trusted snapshots in revision order, snapshot objects without a metadata file
   * (incomplete uploads; no reader uses them) and metadata files whose object is gone.
   */
  public record Listing(List<Row> rows, List<StoredObject> withoutMetadata, List<StoredObject> orphanMetadata) {}

  /** Lists the live snapshots and reads their metadata files, {@code parallelism} at a time. */
  public Listing list(int parallelism) throws IOException, InterruptedException {
    SnapshotCatalog catalog = SnapshotCatalog.of(store.listAll());
    Set<String> chain = new LinkedHashSet<>();
    catalog.newestChain().forEach(e -> chain.add(e.object().name()));
    ObjectFetcher reader = new ObjectFetcher(store, null, null);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), r -> {
      Thread t = new Thread(r, "store-list");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Row>> rows = new ArrayList<>();
      for (SnapshotCatalog.Entry e : catalog.snapshots()) {
        rows.add(pool.submit(() -> {
          try {
            return new Row(e, reader.metadata(e), null, chain.contains(e.object().name()));
          } catch (RestoreException ex) {
            return new Row(e, null, ex.getMessage(), chain.contains(e.object().name()));
          }
        }));
      }
      List<Row> out = new ArrayList<>();
      for (Future<Row> f : rows) {
        try {
          out.add(f.get());
        } catch (java.util.concurrent.ExecutionException ex) {
          throw new IOException("cannot read snapshot metadata from " + store.describe() + ": " + ex.getCause(),
              ex.getCause());
        }
      }
      return new Listing(out, catalog.untrustedObjects(), catalog.orphanMetadata());
    } finally {
      pool.shutdownNow();
    }
  }

  /** One archive folder: its files and the restore record that explains it (if readable). */
  public record Archive(String id, List<StoredObject> files, TimelineArchiver.Record record, String recordProblem) {
    public long bytes() {
      return files.stream().mapToLong(StoredObject::size).sum();
    }

    /** Snapshot objects in it (metadata files and the record aside). */
    public long snapshots() {
      return files.stream().filter(f -> SnapshotName.parseObject(f.name()).isPresent()).count();
    }
  }

  /**
   * Every archive folder below {@code archive/}, sorted by id. A folder under a name no restore gives
   * (made by hand) is listed with no files and that problem, rather than failing the whole listing.
   */
  public List<Archive> archives() throws IOException {
    List<Archive> out = new ArrayList<>();
    for (String id : store.listArchives()) {
      try {
        out.add(archive(id));
      } catch (IllegalArgumentException e) {
        out.add(new Archive(id, List.of(), null, "not a folder a cairn restore made: " + e.getMessage()));
      }
    }
    return out;
  }

  /** One archive folder; no files means it does not exist. */
  public Archive archive(String id) throws IOException {
    BackupStore.checkArchive(id);
    List<StoredObject> files = store.listArchived(id);
    TimelineArchiver.Record rec = null;
    String problem = null;
    if (files.stream().anyMatch(f -> f.name().equals(TimelineArchiver.RECORD))) {
      try {
        rec = TimelineArchiver.readRecord(store, id).orElse(null);
      } catch (IOException | RuntimeException e) {
        problem = "its record " + TimelineArchiver.RECORD + " cannot be read: " + e.getMessage();
      }
    } else {
      problem = "it holds no record " + TimelineArchiver.RECORD + " (not written by a cairn restore, or its first"
          + " step never finished)";
    }
    return new Archive(id, files, rec, problem);
  }

  /** What one token hash says about a token. */
  public enum TokenVerdict {
    /** The snapshot was taken without a backup token. */
    NO_HASH,
    /** No token was given to compare with. */
    NOT_CHECKED,
    MATCHES,
    DIFFERS
  }

  /**
   * One snapshot as stored.
   *
   * @param metadataFile the metadata file's bytes as they are in the store
   * @param userMetadata the object's user metadata (S3), empty for stores without it
   * @param userMetadataDisagrees the cairn-* keys whose stored value differs from the metadata file's
   */
  public record Inspection(SnapshotCatalog.Entry entry, byte[] metadataFile, SnapshotMetadata metadata,
      String metadataProblem, Map<String, String> userMetadata, List<String> userMetadataDisagrees,
      TokenVerdict token) {}

  /**
   * Reads one snapshot's metadata file and user metadata and, given a token, checks its token hash.
   *
   * @param name the object name, its base name or its metadata file name
   * @param token the token to check the hash against, or null
   */
  public Inspection inspect(String name, String token) throws IOException, Refused {
    SnapshotCatalog catalog = SnapshotCatalog.of(store.listAll());
    SnapshotCatalog.Entry e = find(catalog, name);
    byte[] raw;
    try (InputStream in = store.get(e.metadata().name())) {
      raw = in.readAllBytes();
    }
    SnapshotMetadata m = null;
    String problem = null;
    try {
      m = new ObjectFetcher(store, null, null).metadata(e);
    } catch (RestoreException ex) {
      problem = ex.getMessage();
    }
    Map<String, String> user = new TreeMap<>(store.userMetadata(e.object().name()));
    List<String> disagree = new ArrayList<>();
    if (m != null && !user.isEmpty()) {
      m.toUserMetadata().forEach((k, v) -> {
        String stored = user.get(k);
        if (stored == null ? !v.isEmpty() : !stored.equals(v)) {
          disagree.add(k);
        }
      });
    }
    TokenVerdict verdict;
    if (m == null || m.tokenHash() == null) {
      verdict = m == null ? TokenVerdict.NOT_CHECKED : TokenVerdict.NO_HASH;
    } else if (token == null) {
      verdict = TokenVerdict.NOT_CHECKED;
    } else {
      verdict = TokenHash.matches(token, m.tokenHash()) ? TokenVerdict.MATCHES : TokenVerdict.DIFFERS;
    }
    return new Inspection(e, raw, m, problem, user, disagree, verdict);
  }

  /** The outcome for one object of a verification; {@code problem} null means it passed. */
  public record Checked(SnapshotCatalog.Entry entry, SnapshotMetadata metadata, String problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  /**
   * A verification: the chain as planned ({@code chainProblem} when its revisions are not continuous
   * or it cannot be planned) and every object checked.
   */
  public record Verification(String what, RestorePlan plan, String chainProblem, List<Checked> objects) {
    public boolean ok() {
      return chainProblem == null && objects.stream().allMatch(Checked::ok);
    }
  }

  /**
   * Downloads and checks one object as a restore would (nothing is restored, the scratch copy is
   * deleted): metadata against its name, the key, size and sha256 of the stored bytes, decryption,
   * content sha256, a full snapshot's trailer and db revision, a delta's checksum, header and count.
   *
   * @param token the token preflight (every object's hash is checked), or null to skip it
   */
  public Verification verifyObject(String name, EncryptionKey key, Path scratch, TokenPreflight token,
      Consumer<String> progress) throws IOException, InterruptedException, Refused {
    SnapshotCatalog.Entry e = find(SnapshotCatalog.of(store.listAll()), name);
    return new Verification("snapshot " + e.object().name(), null, null,
        List.of(check(e, new ObjectFetcher(store, key, scratch), token, progress)));
  }

  /**
   * Checks a chain: the newest one ({@code name} null) or the one a restore of snapshot {@code name}
   * uses. The planner refuses a chain whose revisions do not follow on; every object is then checked
   * as by {@link #verifyObject}, all of them even after a failure, so that every bad one is named.
   */
  public Verification verifyChain(String name, EncryptionKey key, Path scratch, TokenPreflight token,
      Consumer<String> progress) throws IOException, InterruptedException {
    SnapshotCatalog catalog = SnapshotCatalog.of(store.listAll());
    RestoreTarget target = name == null ? RestoreTarget.latest() : new RestoreTarget.Snapshot(name);
    String what = name == null ? "the newest chain" : "the chain to snapshot " + name;
    RestorePlan plan;
    try {
      plan = ChainPlanner.plan(catalog, target);
    } catch (RestoreException ex) {
      return new Verification(what, null, ex.getMessage(), List.of());
    }
    progress.accept("verifying " + what + ": " + plan.describe());
    ObjectFetcher fetcher = new ObjectFetcher(store, key, scratch);
    List<Checked> out = new ArrayList<>();
    for (SnapshotCatalog.Entry e : plan.objects()) {
      out.add(check(e, fetcher, token, progress));
    }
    return new Verification(what, plan, null, out);
  }

  private Checked check(SnapshotCatalog.Entry e, ObjectFetcher fetcher, TokenPreflight token,
      Consumer<String> progress) throws InterruptedException {
    SnapshotMetadata m = null;
    try {
      m = fetcher.metadata(e);
      if (token != null) {
        token.check(e, m);
      }
      Path file = fetcher.fetch(e, m);
      try {
        progress.accept("verified " + e.object().name() + " (" + m.size() + " stored bytes, revisions "
            + m.startRevision() + ".." + m.endRevision() + ")");
      } finally {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a scratch file; the next run's temp files do not collide with it
        }
      }
      return new Checked(e, m, null);
    } catch (RestoreException ex) {
      progress.accept("FAILED " + e.object().name() + ": " + ex.getMessage());
      return new Checked(e, m, ex.getMessage());
    }
  }

  /** What {@link #removeArchive} did or would do. */
  public record Removal(Archive archive, List<String> removed, String warning) {}

  /**
   * Checks that an archive may go: it exists and its record does not say a restore is still moving
   * snapshots into it (those files may then be the only copies of snapshots already gone from the
   * live store). Returns what would be removed, and a warning when the record is the newest restore
   * whose timeline has no full snapshot of its own yet.
   *
   * @param force remove it even when its record is missing or unreadable (refused with
   *     {@link RecordUnknown} otherwise)
   */
  public Removal planArchiveRemoval(String id, boolean force) throws IOException, Refused {
    Archive a = archive(id);
    if (a.files().isEmpty()) {
      List<String> ids = store.listArchives();
      throw new Refused("there is no archive " + id + " in "
          + store.describe() + "; its archives: " + (ids.isEmpty() ? "(none)" : String.join(", ", ids)));
    }
    if (a.record() != null && !a.record().done()) {
      throw new Refused("archive " + id + " records a restore"
          + " to revision " + a.record().revision() + " that is still " + a.record().state() + " (started "
          + a.record().startedAt() + "): its files may be the only copies of snapshots already removed from the"
          + " live store. Finish that restore first (run the same cairn restore again with --new-timeline"
          + " --restore-id " + id + ", or let the Restore task finish), then remove the archive");
    }
    if (a.record() == null && !force) {
      // Without a readable record an unfinished restore looks the same as a finished one; keeping
      // the folder is the only choice that cannot lose the sole copy of a snapshot.
      throw new RecordUnknown("archive " + id + " cannot be removed: cannot tell whether its restore finished, as "
          + a.recordProblem() + ". Its files may be the only copies of snapshots already removed from the live"
          + " store. Check them (cairn store list --archive), then remove it with --force if they are not needed");
    }
    String warning = null;
    Optional<TimelineArchiver.Record> newest = TimelineArchiver.newestRecord(store);
    if (a.record() != null && newest.isPresent() && newest.get().archive().equals(id)) {
      Optional<SnapshotCatalog.Entry> full = SnapshotCatalog.of(store.listAll()).newestFull();
      String after = a.record().newestFullAfter();
      if (full.isEmpty() || after != null && after.equals(full.get().object().name())) {
        warning = "archive " + id + " records the newest restore, and its new timeline has no full snapshot of its"
            + " own yet: without the record the agents take that full snapshot at the next schedule instead of at"
            + " once (annotate the Etcd with cairn.dev/operation=snapshot-full to take it now)";
      }
    }
    return new Removal(a, List.of(), warning);
  }

  /**
   * Removes an archive folder after {@link #planArchiveRemoval} allowed it: the snapshots first, the
   * record last, so an interrupted removal still leaves the record that explains the folder.
   */
  public Removal removeArchive(String id, boolean force) throws IOException, Refused {
    Removal plan = planArchiveRemoval(id, force);
    List<String> order = new ArrayList<>();
    for (StoredObject f : plan.archive().files()) {
      if (!f.name().equals(TimelineArchiver.RECORD)) {
        order.add(f.name());
      }
    }
    if (plan.archive().files().stream().anyMatch(f -> f.name().equals(TimelineArchiver.RECORD))) {
      order.add(TimelineArchiver.RECORD);
    }
    List<String> removed = new ArrayList<>();
    for (String n : order) {
      store.deleteArchived(id, n);
      removed.add(n);
    }
    return new Removal(plan.archive(), removed, plan.warning());
  }

  /** The live snapshot named by its object, base or metadata file name. */
  private SnapshotCatalog.Entry find(SnapshotCatalog catalog, String name) throws Refused {
    String n = name.strip();
    for (SnapshotCatalog.Entry e : catalog.snapshots()) {
      SnapshotName sn = e.name();
      if (e.object().name().equals(n) || sn.baseName().equals(n) || sn.metadataName().equals(n)) {
        return e;
      }
    }
    boolean untrusted = catalog.untrustedObjects().stream().anyMatch(o -> o.name().equals(n));
    throw new Refused(untrusted
        ? n + " is in " + store.describe() + " without its metadata file: an incomplete upload, never used by a"
            + " restore (garbage collection removes it)"
        : "snapshot " + n + " is not in " + store.describe() + " (give an object name, its base name or its"
            + " metadata file name, as cairn store list prints them)");
  }
}
