package dev.cairn.datadir.validation;

import dev.cairn.datadir.CorruptFileException;
import dev.cairn.datadir.bbolt.BoltChecker;
import dev.cairn.datadir.bbolt.BoltReport;
import dev.cairn.datadir.bbolt.DbRevision;
import dev.cairn.datadir.bbolt.RevisionReader;
import dev.cairn.datadir.snap.SnapFileVerifier;
import dev.cairn.datadir.snap.SnapshotTrailer;
import dev.cairn.datadir.wal.WalReport;
import dev.cairn.datadir.wal.WalVerifier;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Runs the checks of an etcd data directory and turns them into a {@link ValidationOutcome}.
 *
 * <ul>
 *   <li>{@code structure}: member/, member/snap, member/wal with a .wal file, member/snap/db;
 *       no member/ at all means {@link ValidationOutcome.Empty}.
 *   <li>{@code revision}: the db's revision and consistent_index ({@link RevisionReader}).
 *   <li>{@code db} (full): {@link BoltChecker} over every reachable page.
 *   <li>{@code wal} (full, or sanity when staleness needs it): {@link WalVerifier}.
 *   <li>{@code snap} (full): every .snap file ({@link SnapFileVerifier}).
 *   <li>{@code consistency} (full): the db, WAL and .snap files agree with each other.
 *   <li>{@code staleness} (when a store revision is given): see {@link #staleness}.
 * </ul>
 *
 * I/O errors other than corruption (permission denied, a vanished file) are thrown: the caller
 * cannot decide anything from them and must retry or report.
 */
public final class DataDirValidator {

  private DataDirValidator() {}

  /** Paths inside a data dir. */
  public record Layout(Path dataDir) {
    public Path member() {
      return dataDir.resolve("member");
    }

    public Path snapDir() {
      return member().resolve("snap");
    }

    public Path walDir() {
      return member().resolve("wal");
    }

    public Path db() {
      return snapDir().resolve("db");
    }
  }

  /**
   * Validates {@code dataDir} (etcd's --data-dir, holding member/).
   *
   * @param storeRevision the end revision of the newest snapshot in the backup store, if known
   */
  public static ValidationReport validate(Path dataDir, ValidationMode mode, String modeReason,
      OptionalLong storeRevision) throws IOException {
    long t0 = System.nanoTime();
    Run r = new Run(new Layout(dataDir), mode, storeRevision);
    ValidationOutcome outcome = r.run();
    return new ValidationReport(dataDir, mode, modeReason, r.checks, outcome, Duration.ofNanos(System.nanoTime() - t0));
  }

  /**
   * Validates a v3 snapshot file (etcdctl snapshot save, Maintenance.Snapshot): the sha256
   * trailer, a full db check and its revision.
   */
  public static ValidationReport validateSnapshotFile(Path file) throws IOException {
    long t0 = System.nanoTime();
    List<CheckResult> checks = new ArrayList<>();
    List<String> reasons = new ArrayList<>();

    Timer t = new Timer();
    SnapshotTrailer.Result tr = SnapshotTrailer.verify(file);
    Map<String, Object> td = new LinkedHashMap<>();
    td.put("dbBytes", tr.dbLength());
    td.put("sha256", tr.actualSha256());
    CheckResult trailer = switch (tr.status()) {
      case VALID -> t.done("trailer", List.of(), List.of(), td);
      case ABSENT -> t.done("trailer", List.of(), List.of(tr.describe()), td);
      case MISMATCH -> t.done("trailer", List.of(file + ": " + tr.describe()), List.of(), td);
    };
    checks.add(trailer);

    t = new Timer();
    BoltReport br = BoltChecker.check(file);
    checks.add(t.done("db", boltFindings(file, br), br.warnings(), boltDetails(br)));

    t = new Timer();
    try {
      DbRevision rev = RevisionReader.read(file);
      checks.add(t.done("revision", List.of(), List.of(), revisionDetails(rev)));
    } catch (CorruptFileException e) {
      checks.add(t.done("revision", List.of(e.getMessage()), List.of(), Map.of()));
    }
    for (CheckResult c : checks) {
      c.findings().forEach(f -> reasons.add(c.name() + ": " + f));
    }
    ValidationOutcome o = reasons.isEmpty() ? new ValidationOutcome.Valid() : new ValidationOutcome.Corrupt(reasons);
    return new ValidationReport(file, ValidationMode.FULL, "snapshot file", checks, o,
        Duration.ofNanos(System.nanoTime() - t0));
  }

  /** Measures a check and builds its result. */
  private static final class Timer {
    private final long start = System.nanoTime();

    CheckResult done(String name, List<String> findings, List<String> warnings, Map<String, Object> details) {
      CheckResult.Status s = !findings.isEmpty() ? CheckResult.Status.FAIL
          : !warnings.isEmpty() ? CheckResult.Status.WARN : CheckResult.Status.PASS;
      return new CheckResult(name, s, findings, warnings, details, Duration.ofNanos(System.nanoTime() - start));
    }

    CheckResult skipped(String name, String why) {
      return new CheckResult(name, CheckResult.Status.SKIPPED, List.of(), List.of(why), Map.of(), Duration.ZERO);
    }
  }

  private static final class Run {
    private final Layout layout;
    private final ValidationMode mode;
    private final OptionalLong storeRevision;
    final List<CheckResult> checks = new ArrayList<>();
    private DbRevision rev;
    private WalReport wal;
    private List<SnapFileVerifier.Result> snaps;

    Run(Layout layout, ValidationMode mode, OptionalLong storeRevision) {
      this.layout = layout;
      this.mode = mode;
      this.storeRevision = storeRevision;
    }

    ValidationOutcome run() throws IOException {
      Timer t = new Timer();
      List<String> f = new ArrayList<>();
      Boolean empty = structure(f);
      Map<String, Object> sd = new LinkedHashMap<>();
      sd.put("member", Files.isDirectory(layout.member()));
      checks.add(t.done("structure", f, empty ? List.of("no member/ directory in " + layout.dataDir()
          + ": a fresh member") : List.of(), sd));
      if (empty) {
        return new ValidationOutcome.Empty();
      }
      if (!f.isEmpty()) {
        // Without the basic files there is nothing else to read: restore.
        return outcome();
      }

      t = new Timer();
      try {
        rev = RevisionReader.read(layout.db());
        checks.add(t.done("revision", List.of(), List.of(), revisionDetails(rev)));
      } catch (CorruptFileException e) {
        checks.add(t.done("revision", List.of(e.getMessage()), List.of(), Map.of()));
      }

      if (mode == ValidationMode.FULL) {
        t = new Timer();
        BoltReport br = BoltChecker.check(layout.db());
        checks.add(t.done("db", boltFindings(layout.db(), br), br.warnings(), boltDetails(br)));

        runWal();
        snapFiles();
        consistency();
      }
      staleness();
      return outcome();
    }

    /** Returns true when there is no member data; adds findings for a partial layout. */
    private boolean structure(List<String> f) {
      Path d = layout.dataDir();
      if (!Files.exists(d)) {
        return true;
      }
      if (!Files.isDirectory(d)) {
        f.add(d + " is not a directory");
        return false;
      }
      Path m = layout.member();
      if (!Files.exists(m)) {
        return true;
      }
      if (!Files.isDirectory(m)) {
        f.add(m + " is not a directory");
        return false;
      }
      if (!Files.isDirectory(layout.snapDir())) {
        f.add(layout.snapDir() + " is missing: etcd keeps its db there");
      }
      if (!Files.isDirectory(layout.walDir())) {
        f.add(layout.walDir() + " is missing: without the WAL etcd would bootstrap the member anew");
      } else if (!hasWal(layout.walDir())) {
        f.add(layout.walDir() + " holds no .wal file: without the WAL etcd would bootstrap the member anew");
      }
      if (Files.isDirectory(layout.snapDir())) {
        Path db = layout.db();
        if (!Files.isRegularFile(db)) {
          f.add(db + " is missing: the member has no backend");
        } else {
          try {
            if (Files.size(db) == 0) {
              f.add(db + " is empty");
            }
          } catch (IOException e) {
            f.add(db + " cannot be read: " + e.getMessage());
          }
        }
      }
      return false;
    }

    private static boolean hasWal(Path dir) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.wal")) {
        return ds.iterator().hasNext();
      } catch (IOException e) {
        return false;
      }
    }

    private void runWal() throws IOException {
      Timer t = new Timer();
      // Count the writes the WAL could still replay into the db, for the staleness decision.
      long after = rev == null ? Long.MAX_VALUE : rev.consistentIndex();
      wal = WalVerifier.verify(layout.walDir(), after);
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("files", wal.files().size());
      d.put("entries", wal.entries());
      d.put("lastIndex", wal.lastEntryIndex());
      if (wal.lastHardState() != null) {
        d.put("commit", wal.lastHardState().commit());
        d.put("term", wal.lastHardState().term());
      }
      d.put("snapshotRecords", wal.snapshots().size());
      d.put("memberId", Long.toHexString(wal.nodeId()));
      d.put("clusterId", Long.toHexString(wal.clusterId()));
      d.put("tornTail", wal.tornTail());
      if (rev != null) {
        d.put("writesAfterConsistentIndex", wal.writesAfter());
      }
      checks.add(t.done("wal", wal.findings(), wal.warnings(), d));
    }

    private void snapFiles() throws IOException {
      Timer t = new Timer();
      List<String> f = new ArrayList<>();
      List<String> w = new ArrayList<>();
      snaps = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.snapDir())) {
        for (Path p : ds) {
          String n = p.getFileName().toString();
          if (n.endsWith(".snap")) {
            SnapFileVerifier.Result r = SnapFileVerifier.verify(p);
            snaps.add(r);
            if (!r.valid()) {
              f.add(p + ": " + r.problem());
            }
          } else if (n.equals("db") || n.endsWith(".snap.db")) {
            // the backend, or a backend received from the leader with a snapshot
          } else if (n.endsWith(".broken")) {
            w.add(n + ": a .snap file etcd found damaged earlier and set aside");
          } else if (n.startsWith("db.tmp")) {
            w.add(n + ": leftover of an interrupted defragmentation (etcd ignores it; safe to delete)");
          } else {
            w.add(n + ": unexpected file in member/snap");
          }
        }
      }
      snaps.sort(Comparator.comparingLong(SnapFileVerifier.Result::index));
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("snapFiles", snaps.size());
      if (!snaps.isEmpty()) {
        d.put("newestIndex", snaps.get(snaps.size() - 1).index());
      }
      checks.add(t.done("snap", f, w, d));
    }

    /** The cross-file invariants: what etcd checks between db, WAL and .snap files when it starts. */
    private void consistency() {
      Timer t = new Timer();
      if (rev == null || wal == null || snaps == null) {
        checks.add(t.skipped("consistency", "needs a readable db revision, WAL and .snap files"));
        return;
      }
      List<String> f = new ArrayList<>();
      List<String> w = new ArrayList<>();
      long ci = rev.consistentIndex();
      WalReport.HardState hs = wal.lastHardState();
      if (hs == null) {
        w.add("the WAL holds no HardState record yet: nothing to compare consistent_index with");
      } else if (ci > hs.commit()) {
        if (ci > wal.lastEntryIndex()) {
          f.add("db consistent_index " + ci + " is above the WAL's last commit " + hs.commit() + " and beyond its last"
              + " entry " + wal.lastEntryIndex() + ": the db applied entries the WAL does not hold (db and WAL from"
              + " different times); etcd would skip the next " + (ci - wal.lastEntryIndex()) + " entries it commits");
        } else {
          w.add("db consistent_index " + ci + " is above the WAL's last recorded commit " + hs.commit()
              + " but within its entries (last " + wal.lastEntryIndex() + "): applied before the commit was"
              + " recorded (a crash); etcd re-commits them");
        }
      }
      Set<WalReport.SnapshotRef> walSnaps = new HashSet<>(wal.snapshots());
      SnapFileVerifier.Result usable = null;
      SnapFileVerifier.Result newest = null;
      for (SnapFileVerifier.Result s : snaps) {
        if (!s.valid()) {
          continue;
        }
        newest = s;
        if (walSnaps.contains(new WalReport.SnapshotRef(s.index(), s.term()))) {
          usable = s;
        }
      }
      if (newest != null && usable == null) {
        f.add("no .snap file matches a snapshot record in the WAL (newest .snap: term " + newest.term() + " index "
            + newest.index() + "): etcd cannot find where to start reading the WAL");
      } else if (newest != null && newest != usable) {
        w.add(newest.file().getFileName() + " has no matching WAL snapshot record; etcd starts from "
            + usable.file().getFileName());
      }
      long start = usable == null ? 0 : usable.index();
      if (!wal.files().isEmpty() && wal.files().get(0).index() > start) {
        f.add("the WAL starts at index " + wal.files().get(0).index() + " but the newest usable raft snapshot is at "
            + start + ": the entries in between are gone");
      }
      if (usable != null && ci < usable.index()) {
        Path snapDb = layout.snapDir().resolve(String.format("%016x.snap.db", usable.index()));
        if (!Files.exists(snapDb)) {
          f.add("db consistent_index " + ci + " is older than the raft snapshot at index " + usable.index()
              + " and " + snapDb.getFileName() + " is missing: etcd cannot bring the backend up to the snapshot");
        }
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("consistentIndex", ci);
      if (hs != null) {
        d.put("commit", hs.commit());
      }
      d.put("snapshotIndex", start);
      checks.add(t.done("consistency", f, w, d));
    }

    /**
     * A db below the store's revision is only possibly stale: etcd replays WAL entries after the
     * db's consistent_index when it starts, and each replayed entry raises the revision by at most
     * one. So the data is stale only when the db revision plus every normal entry after
     * consistent_index in the WAL still falls short of the store revision. Anything else is
     * reported valid (with a warning), never stale: fresh data must not be thrown away.
     */
    private void staleness() throws IOException {
      if (storeRevision.isEmpty()) {
        return;
      }
      Timer t = new Timer();
      long store = storeRevision.getAsLong();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("storeRevision", store);
      if (rev == null) {
        checks.add(t.skipped("staleness", "the db revision could not be read"));
        return;
      }
      d.put("dbRevision", rev.revision());
      if (rev.revision() >= store) {
        checks.add(t.done("staleness", List.of(), List.of(), d));
        return;
      }
      if (wal == null) {
        runWal(); // sanity mode: read the WAL only now that it matters
        t = new Timer();
      }
      long bound = rev.revision() + wal.writesAfter();
      d.put("writesAfterConsistentIndex", wal.writesAfter());
      d.put("maxRevisionAfterReplay", bound);
      if (bound < store) {
        checks.add(t.done("staleness", List.of("db revision " + rev.revision() + ", plus at most " + wal.writesAfter()
            + " writes the WAL could replay, stays below revision " + store + " of the newest snapshot in the store"),
            List.of(), d));
      } else {
        checks.add(t.done("staleness", List.of(), List.of("db revision " + rev.revision() + " is below the store's "
            + store + ", but the WAL holds " + wal.writesAfter() + " writes after consistent_index "
            + rev.consistentIndex() + " that etcd replays at start, which can reach it: not stale"), d));
      }
    }

    private ValidationOutcome outcome() {
      List<String> reasons = new ArrayList<>();
      boolean stale = false;
      for (CheckResult c : checks) {
        if (c.status() != CheckResult.Status.FAIL) {
          continue;
        }
        if (c.name().equals("staleness")) {
          stale = true;
        } else {
          c.findings().forEach(x -> reasons.add(c.name() + ": " + x));
        }
      }
      if (!reasons.isEmpty()) {
        return new ValidationOutcome.Corrupt(reasons);
      }
      if (stale) {
        return new ValidationOutcome.Stale(rev.revision(), storeRevision.getAsLong());
      }
      return new ValidationOutcome.Valid();
    }
  }

  static List<String> boltFindings(Path file, BoltReport br) {
    List<String> out = new ArrayList<>();
    br.findings().forEach(x -> out.add(file + ": " + x));
    if (br.omittedFindings() > 0) {
      out.add(file + ": " + br.omittedFindings() + " more problems not listed");
    }
    return out;
  }

  static Map<String, Object> boltDetails(BoltReport br) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("fileBytes", br.fileSize());
    d.put("pageSize", br.pageSize());
    if (br.used() != null) {
      d.put("metaPage", br.used().pageId());
      d.put("txid", br.used().txid());
      d.put("highWaterMark", br.highWaterMark());
      d.put("reachablePages", br.reachablePages());
      d.put("freePages", br.freePages());
      d.put("buckets", br.buckets());
      d.put("keys", br.keys());
      d.put("freelistStored", br.used().freelistStored());
    }
    return d;
  }

  static Map<String, Object> revisionDetails(DbRevision r) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("revision", r.revision());
    d.put("consistentIndex", r.consistentIndex());
    d.put("finishedCompactRevision", r.finishedCompactRevision());
    d.put("scheduledCompactRevision", r.scheduledCompactRevision());
    return d;
  }
}
