package dev.cairn.agent.restore;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.snapshot.FullSnapshotter;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotWriter;
import dev.cairn.agent.snapshot.SourceInfo;
import dev.cairn.agent.util.Backoff;
import io.etcd.jetcd.options.CompactOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot compaction ({@code cairn compact}): when deltas pile up, a restore spends its time
 * replaying them. This restores the newest chain into a scratch directory, starts a temporary etcd
 * on it, compacts and defragments, and stores a new full snapshot at the chain's end revision with
 * the agent's own full-snapshot code. The new full then heads the chain: later restores start from
 * it, and garbage collection retires the deltas it covers. The cluster is never touched.
 */
public final class Compactor {

  private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

  /**
   * @param snapshot the stored full snapshot
   * @param restore how the chain was restored
   * @param dbSizeBefore the temporary etcd's db size after the replay
   * @param dbSizeAfter after compaction and defragmentation
   */
  public record Result(SnapshotMetadata snapshot, ChainRestorer.Result restore, long dbSizeBefore, long dbSizeAfter) {}

  private Compactor() {}

  public static Result run(ChainRestorer restorer, ChainRestorer.Settings s, SnapshotWriter writer, Duration timeout)
      throws IOException, InterruptedException {
    ChainRestorer.Prepared prepared = restorer.prepare(RestoreTarget.latest());
    if (prepared.plan().deltas().isEmpty()) {
      throw new RestoreException(RestoreException.Reason.NO_SNAPSHOT,
          "nothing to compact: the newest full snapshot " + prepared.plan().full().object().name()
              + " has no deltas after it");
    }
    Path dir = s.scratchDir().resolve("compact-" + System.currentTimeMillis());
    String name = "compact";
    TempEtcd etcd = null;
    try {
      ChainRestorer.Result restored = restorer.restoreInto(prepared,
          RestoredMember.alone(name, "http://127.0.0.1:2380", "cairn-compact"), dir);
      etcd = TempEtcd.start(dir, name, new TempEtcd.Options(s.tools().etcd(), s.bindHost(), s.quotaBytes(),
          Duration.ofMinutes(5), s.scratchDir().resolve("compact-etcd.log")));
      long rev = etcd.status().getHeader().getRevision();
      if (rev != restored.revision()) {
        throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
            "the restored chain is at revision " + rev + ", expected " + restored.revision());
      }
      long before = etcd.status().getDbSize();
      try {
        etcd.client().getKVClient().compact(rev, CompactOption.builder().withCompactPhysical(true).build())
            .get(10, TimeUnit.MINUTES);
      } catch (ExecutionException e) {
        // Already compacted at this revision by the replay: nothing more to drop.
        if (!String.valueOf(e.getCause()).contains("compacted")) {
          throw new IOException("compaction at revision " + rev + " failed: " + e.getCause(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IOException("compaction at revision " + rev + " did not finish within 10 minutes", e);
      }
      try {
        etcd.client().getMaintenanceClient().defragmentMember(etcd.clientUrl().toString()).get(30, TimeUnit.MINUTES);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("defragmentation of the temporary etcd failed: " + e, e);
      }
      long after = etcd.status().getDbSize();
      SnapshotMetadata base = prepared.fullMetadata();
      SourceInfo source = new SourceInfo(base.etcdClusterId(), base.etcdMemberId(),
          base.member() == null ? name : base.member(), etcd.status().getVersion(), base.tokenHash());
      SnapshotMetadata stored;
      try (EtcdNode node = new EtcdNode(etcd.clientUrl(), Duration.ofSeconds(30))) {
        FullSnapshotter fulls = new FullSnapshotter(node, writer, RevisionSource.datadir(), s.scratchDir(),
            Clock.systemUTC(), timeout);
        // A compacted full at the chain's end is never stale, even if deltas arrived meanwhile: they
        // continue after it.
        stored = fulls.take(source, false, () -> restored.revision(), () -> true,
            e -> LOG.warn("store call failed during compaction (retrying): {}", e.getMessage()));
      } catch (Backoff.GaveUpException e) {
        throw new IOException("storing the compacted snapshot failed: " + e.getMessage(), e);
      }
      LOG.info("compacted {} into {}: revision {}, db {} -> {} bytes", prepared.plan().describe(), stored.object(),
          stored.endRevision(), before, after);
      return new Result(stored, restored, before, after);
    } finally {
      if (etcd != null) {
        etcd.close();
      }
      ChainRestorer.deleteQuietly(dir);
      Files.deleteIfExists(s.scratchDir().resolve("compact-etcd.log"));
    }
  }
}
