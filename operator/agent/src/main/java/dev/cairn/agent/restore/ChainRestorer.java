package dev.cairn.agent.restore;

import dev.cairn.agent.membership.EtcdGateway;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.store.BackupStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restore engine every restore path uses ({@code cairn restore}, {@code cairn initialize}, the
 * agent's initialisation, {@code cairn compact}, the operator's Restore task through the agent):
 *
 * <ol>
 *   <li>plan from the store listing (latest, a named snapshot, or a revision), read every chosen
 *       object's metadata, check the encryption key and the token hash: all before any download;
 *   <li>fetch and verify the full snapshot, while the deltas are fetched and verified in parallel;
 *   <li>build the member's data dir from the full snapshot with etcdutl/etcdctl, into a {@code .part}
 *       directory;
 *   <li>replay the deltas in order through a temporary etcd on that directory ({@link DeltaReplayer});
 *   <li>check the final revision, stop etcd, fsync, and rename {@code member/} into place.
 * </ol>
 *
 * Any failure leaves the data dir as it was and removes every temporary file.
 */
public final class ChainRestorer {

  private static final Logger LOG = LoggerFactory.getLogger(ChainRestorer.class);

  /**
   * How restores run.
   *
   * @param scratchDir downloaded objects go here (room for the full snapshot plus a few deltas)
   * @param key the encryption key, or null
   * @param token the token preflight
   * @param tools etcd and etcdutl/etcdctl
   * @param bindHost the address the temporary etcd listens on (the pod IP; 127.0.0.1 outside pods)
   * @param quotaBytes the temporary etcd's backend quota
   * @param fetchParallelism objects downloaded and verified at once
   * @param toolTimeout longest the base restore may take
   */
  public record Settings(Path scratchDir, EncryptionKey key, TokenPreflight token, EtcdTools tools, String bindHost,
      long quotaBytes, int fetchParallelism, Duration toolTimeout) {

    public static final long DEFAULT_QUOTA = 8L * 1024 * 1024 * 1024;
  }

  /**
   * A plan whose metadata was read and whose key and token were checked.
   *
   * @param storeNewest the newest end revision of the store's trusted snapshots when planned: a plan
   *     below it goes back in time (ADR 0008)
   */
  public record Prepared(RestorePlan plan, List<SnapshotMetadata> metadata, long storeNewest) {

    /** Whether the restore goes back to an older point than the store's newest snapshot. */
    public boolean older() {
      return plan.revision() < storeNewest;
    }

    public SnapshotMetadata fullMetadata() {
      return metadata.get(0);
    }
  }

  /**
   * What a restore did.
   *
   * @param revision the revision the restored member is at
   * @param deltaEvents events replayed
   * @param deltaRevisions transactions replayed
   * @param baseFetch time to download and verify the full snapshot
   * @param baseRestore time etcdutl/etcdctl took
   * @param replay time of the delta replay (temporary etcd start to stop)
   */
  public record Result(RestorePlan plan, long revision, long deltaEvents, long deltaRevisions, Duration baseFetch,
      Duration baseRestore, Duration replay, Duration total) {
    public String describe() {
      return "restored " + plan.describe() + ": revision " + revision + ", " + deltaEvents + " delta events in "
          + deltaRevisions + " revisions; fetch " + millis(baseFetch) + ", base restore " + millis(baseRestore)
          + ", replay " + millis(replay) + ", total " + millis(total);
    }

    private static String millis(Duration d) {
      return d.toMillis() + " ms";
    }
  }

  private final BackupStore store;
  private final Settings s;
  private final ObjectFetcher fetcher;
  private volatile Consumer<String> progress = m -> {};

  public ChainRestorer(BackupStore store, Settings settings) {
    this.store = store;
    this.s = settings;
    this.fetcher = new ObjectFetcher(store, settings.key(), settings.scratchDir());
  }

  /** Receives one line per step (initialisation status, CLI output). */
  public ChainRestorer onProgress(Consumer<String> p) {
    this.progress = p == null ? m -> {} : p;
    return this;
  }

  /** Plans the restore and checks metadata, key and token; downloads nothing. */
  public Prepared prepare(RestoreTarget target) throws RestoreException {
    SnapshotCatalog catalog;
    try {
      catalog = SnapshotCatalog.of(store.listAll());
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.STORE,
          "cannot list the backup store " + store.describe() + ": " + e.getMessage(), e);
    }
    RestorePlan plan = ChainPlanner.plan(catalog, target);
    List<SnapshotMetadata> metas = new ArrayList<>();
    for (SnapshotCatalog.Entry e : plan.objects()) {
      SnapshotMetadata m = fetcher.metadata(e);
      fetcher.checkKey(e, m);
      s.token().check(e, m);
      metas.add(m);
    }
    return new Prepared(plan, metas, catalog.newestEndRevision());
  }

  /**
   * Restores {@code target} into {@code dataDir}, refusing a target older than the store's newest
   * snapshot ({@link Timeline.RefuseOlder}): see {@link #restore(RestoreTarget, RestoredMember, Path,
   * boolean, Timeline)}.
   */
  public Result restore(RestoreTarget target, RestoredMember member, Path dataDir, boolean replace)
      throws RestoreException, InterruptedException {
    return restore(target, member, dataDir, replace, Timeline.refuseOlder());
  }

  /**
   * Restores {@code target} into {@code dataDir} (etcd's --data-dir) as member {@code member}. A data
   * dir that holds {@code member/} is refused unless {@code replace}: then the old member/ is
   * replaced only after the new one is complete.
   *
   * <p>A target older than the store's newest snapshot needs a {@code timeline} choice (ADR 0008):
   * {@link Timeline.NewTimeline} sets everything above the target aside in the store's archive once
   * the new member data is complete and before it is moved into place (so that a crash leaves either
   * the old data dir, or the new one with a store that agrees with it, and a rerun with the same
   * archive id finishes the job); {@link Timeline.Detached} leaves the store alone;
   * {@link Timeline.RefuseOlder} refuses before anything is downloaded.
   */
  public Result restore(RestoreTarget target, RestoredMember member, Path dataDir, boolean replace,
      Timeline timeline) throws RestoreException, InterruptedException {
    long t0 = System.nanoTime();
    Path memberDir = dataDir.resolve("member");
    if (Files.exists(memberDir) && !replace) {
      throw new RestoreException(RestoreException.Reason.DATA_DIR_NOT_EMPTY,
          "data dir " + dataDir + " still holds member/: a restore never overwrites member data unless told to"
              + " replace it (--replace); move it away first if you want to keep it");
    }
    Prepared prepared = prepare(target);
    if (prepared.older() && timeline instanceof Timeline.RefuseOlder) {
      throw new RestoreException(RestoreException.Reason.OLDER_THAN_STORE,
          (target instanceof RestoreTarget.Revision ? target.describe()
              : target.describe() + " (revision " + prepared.plan().revision() + ")")
              + " is older than the newest snapshot in "
              + store.describe() + " (revision " + prepared.storeNewest() + "). Started with this store, such a member"
              + " is judged stale and restored to the newest state again. Say what you want: --new-timeline (the"
              + " restored member becomes the cluster; every snapshot above revision " + prepared.plan().revision()
              + " is moved into the store's archive/ folder, nothing is deleted; stop every member first), or"
              + " --detached (a copy for inspection; the store is left as it is)");
    }
    progress.accept("restoring " + prepared.plan().describe());
    Path cairn = dataDir.resolve(".cairn");
    Path part = cairn.resolve("restore.part");
    try {
      Files.createDirectories(cairn);
      deleteTree(part);
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "cannot prepare " + part + " for the restore: " + e.getMessage(), e);
    }
    boolean done = false;
    try {
      Result r = restoreInto(prepared, member, part);
      if (timeline instanceof Timeline.NewTimeline nt && (prepared.older() || unfinished(nt.archiveId()))) {
        // Before the swap: a crash in between leaves the old data dir, never a restored one beside a
        // store that still holds newer snapshots (that member would be judged stale and restored to
        // them); a rerun with the same id plans the same revision and finishes the archiving.
        new TimelineArchiver(store, s.key(), s.scratchDir(), java.time.Clock.systemUTC()).onProgress(progress)
            .archive(nt.archiveId(), prepared.plan());
      }
      swapIn(part.resolve("member"), dataDir, cairn);
      done = true;
      Result fin = new Result(r.plan(), r.revision(), r.deltaEvents(), r.deltaRevisions(), r.baseFetch(),
          r.baseRestore(), r.replay(), Duration.ofNanos(System.nanoTime() - t0));
      LOG.info("{} into {}", fin.describe(), dataDir);
      progress.accept(fin.describe());
      return fin;
    } finally {
      if (!done) {
        deleteQuietly(part);
      }
    }
  }

  /**
   * Restores a prepared plan into {@code target}, an etcd data dir that must not exist yet ({@code
   * target/member} is created). Used by {@link #restore} (target = the .part directory) and by
   * compaction (a scratch directory). On failure {@code target} is removed.
   */
  public Result restoreInto(Prepared prepared, RestoredMember member, Path target)
      throws RestoreException, InterruptedException {
    long t0 = System.nanoTime();
    RestorePlan plan = prepared.plan();
    if (!plan.deltas().isEmpty() && !member.initialCluster().equals(member.name() + "=" + member.peerUrls())
        && member.initialCluster().contains(",")) {
      // The temporary etcd that replays deltas must lead alone; members restored separately with the
      // same multi-member initial cluster would also each replay into a raft log of their own.
      throw new RestoreException(RestoreException.Reason.TOOL,
          "a restore with deltas builds a cluster of one member, but the initial cluster lists several ("
              + member.initialCluster() + "): restore one member alone (--initial-cluster " + member.name() + "="
              + member.peerUrls() + "), start it, and add the others as learners (the agent does this by itself)");
    }
    try {
      Files.createDirectories(s.scratchDir());
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.TOOL, "cannot create scratch directory " + s.scratchDir()
          + ": " + e.getMessage(), e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, s.fetchParallelism()), r -> {
      Thread t = new Thread(r, "restore-fetch");
      t.setDaemon(true);
      return t;
    });
    ArrayDeque<Future<Path>> ahead = new ArrayDeque<>();
    List<Future<Path>> all = new ArrayList<>();
    Path fullFile = null;
    TempEtcd etcd = null;
    boolean ok = false;
    Path log = s.scratchDir().resolve("restore-etcd.log");
    try {
      Future<Path> full = pool.submit(() -> fetcher.fetch(plan.full(), prepared.fullMetadata()));
      all.add(full);
      int next = 0;
      int window = Math.max(2, s.fetchParallelism() * 2);
      for (; next < plan.deltas().size() && ahead.size() < window; next++) {
        ahead.add(submitFetch(pool, prepared, next, all));
      }
      long tf = System.nanoTime();
      progress.accept("fetching and verifying " + plan.full().object().name());
      fullFile = get(full);
      Duration fetchTime = Duration.ofNanos(System.nanoTime() - tf);
      progress.accept("building the data dir from " + plan.full().object().name() + " with "
          + s.tools().restoreTool().getFileName());
      Files.deleteIfExists(log);
      Duration baseTime = BaseRestore.run(s.tools(), fullFile, target, member, log, s.toolTimeout());
      Files.deleteIfExists(fullFile);
      fullFile = null;
      long events = 0;
      long revisions = 0;
      long reached = plan.full().endRevision();
      Duration replayTime = Duration.ZERO;
      if (!plan.deltas().isEmpty()) {
        long tr = System.nanoTime();
        progress.accept("replaying " + plan.deltas().size() + " delta(s) up to revision " + plan.revision());
        etcd = TempEtcd.start(target, member.name(),
            new TempEtcd.Options(s.tools().etcd(), s.bindHost(), s.quotaBytes(), Duration.ofMinutes(5), log));
        long base = etcd.status().getHeader().getRevision();
        if (base != plan.full().endRevision()) {
          throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
              "the data dir built from " + plan.full().object().name() + " is at revision " + base
                  + " but the snapshot's metadata says " + plan.full().endRevision());
        }
        EtcdGateway gw = new EtcdGateway(null, Duration.ofSeconds(30));
        try (DeltaReplayer replayer = new DeltaReplayer(etcd, gw, base, plan.revision(),
            DeltaReplayer.Options.defaults(s.quotaBytes()))) {
          for (int i = 0; i < plan.deltas().size(); i++) {
            Future<Path> f = ahead.removeFirst();
            if (next < plan.deltas().size()) {
              ahead.add(submitFetch(pool, prepared, next++, all));
            }
            Path file = get(f);
            try {
              replayer.replay(file, plan.deltas().get(i).object().name());
            } finally {
              Files.deleteIfExists(file);
            }
          }
          reached = replayer.finish();
          events = replayer.events();
          revisions = replayer.revisions();
          LOG.info("replayed {} events in {} revisions ({} transactions resent after arriving early; final window {})",
              events, revisions, replayer.resends(), replayer.window());
        }
        if (reached != plan.revision()) {
          throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
              "the replay reached revision " + reached + " but the plan was to reach " + plan.revision()
                  + ": the chain does not hold the events it claims");
        }
        int code = etcd.stop(Duration.ofMinutes(2));
        etcd = null;
        if (code != 0 && code != 143) {
          LOG.warn("the temporary etcd exited with {} after the replay; its data is complete (every commit is"
              + " fsynced)", code);
        }
        replayTime = Duration.ofNanos(System.nanoTime() - tr);
      }
      fsyncTree(target);
      ok = true;
      return new Result(plan, reached, events, revisions, fetchTime, baseTime, replayTime,
          Duration.ofNanos(System.nanoTime() - t0));
    } catch (IOException e) {
      if (e instanceof RestoreException re) {
        throw re;
      }
      throw new RestoreException(RestoreException.Reason.TOOL, "restore failed: " + e.getMessage(), e);
    } finally {
      if (etcd != null) {
        etcd.close();
      }
      for (Future<Path> f : all) {
        f.cancel(true);
      }
      pool.shutdownNow();
      try {
        pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Future<Path> f : all) {
        if (f.isDone() && !f.isCancelled()) {
          try {
            deleteQuietly(f.get());
          } catch (ExecutionException | InterruptedException ignored) {
            // nothing was written, or it was already removed
          }
        }
      }
      if (fullFile != null) {
        deleteQuietly(fullFile);
      }
      if (ok) {
        deleteQuietly(log);
      } else {
        deleteQuietly(target);
      }
    }
  }

  /** Whether a former run with this archive id started archiving and did not finish. */
  private boolean unfinished(String archiveId) throws RestoreException {
    try {
      return TimelineArchiver.readRecord(store, archiveId).map(r -> !r.done()).orElse(false);
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.STORE,
          "cannot read archive " + archiveId + " of " + store.describe() + ": " + e.getMessage(), e);
    }
  }

  private Future<Path> submitFetch(ExecutorService pool, Prepared p, int i, List<Future<Path>> all) {
    SnapshotCatalog.Entry e = p.plan().deltas().get(i);
    SnapshotMetadata m = p.metadata().get(i + 1);
    Future<Path> f = pool.submit(() -> fetcher.fetch(e, m));
    all.add(f);
    return f;
  }

  private static Path get(Future<Path> f) throws RestoreException, InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RestoreException re) {
        throw re;
      }
      if (c instanceof InterruptedException ie) {
        throw ie;
      }
      throw new RestoreException(RestoreException.Reason.TOOL, "fetching a snapshot failed: " + c, c);
    }
  }

  /** Moves the complete new member/ into the data dir, replacing an old one only now. */
  private static void swapIn(Path newMember, Path dataDir, Path cairn) throws RestoreException {
    Path memberDir = dataDir.resolve("member");
    Path old = cairn.resolve("member.replaced");
    try {
      deleteTree(old);
      if (Files.exists(memberDir)) {
        move(memberDir, old);
      }
      move(newMember, memberDir);
      fsyncDir(dataDir);
      deleteTree(old);
      deleteTree(newMember.getParent());
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "the restored member is complete in " + newMember + " but could not be moved into " + dataDir + ": "
              + e.getMessage() + (Files.exists(old) ? "; the old member/ is in " + old : ""), e);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically (different file systems?)", e);
    }
  }

  /** Forces every file and directory under {@code root} to disk. */
  static void fsyncTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        fsyncDir(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static void fsyncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Not every file system lets a directory be opened for fsync; the rename is still atomic.
    }
  }

  /** Deletes a directory tree (or file); a missing one is fine. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        if (exc != null) {
          throw exc;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static void deleteQuietly(Path p) {
    try {
      deleteTree(p);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", p, e.toString());
    }
  }
}
