package dev.cairn.datadir.wal;

import java.nio.file.Path;
import java.util.List;

/**
 * What the WAL verifier found.
 *
 * @param files the segment files in sequence order
 * @param nodeId member id from the metadata records (0 when there are none)
 * @param clusterId cluster id from the metadata records
 * @param lastHardState the last HardState record, null when there is none
 * @param snapshots every snapshot record, in order (index/term of raft snapshots the WAL knows)
 * @param lastEntryIndex highest raft index seen in an entry or snapshot record (0 when none)
 * @param writesAfter normal entries with data whose index is above the index the caller asked
 *     about (the db's consistent_index): an upper bound on how far replaying the WAL can raise the
 *     db's revision, since applying one entry raises it by at most one
 * @param tornTail true when the last file ends in a partly written record, which etcd truncates
 *     at start (a warning, not corruption)
 * @param findings corruption: anything etcd would refuse or silently skip
 * @param warnings anything else worth knowing
 */
public record WalReport(
    Path dir,
    List<WalFile> files,
    long nodeId,
    long clusterId,
    HardState lastHardState,
    List<SnapshotRef> snapshots,
    long entries,
    long lastEntryIndex,
    long writesAfter,
    boolean tornTail,
    List<String> findings,
    List<String> warnings) {

  public boolean ok() {
    return findings.isEmpty();
  }

  /**
   * One segment.
   *
   * @param endOffset where the last valid record ends
   * @param preallocated true when zero bytes follow the records (etcd preallocates 64 MB
   *     segments); false for a file cut at its last record (older segments, repaired files)
   */
  public record WalFile(String name, long seq, long index, long size, long records, long endOffset, boolean preallocated) {}

  /** raftpb.HardState. */
  public record HardState(long term, long vote, long commit) {}

  /** walpb.Snapshot: a raft snapshot the WAL records having been taken or received. */
  public record SnapshotRef(long index, long term) {}
}
