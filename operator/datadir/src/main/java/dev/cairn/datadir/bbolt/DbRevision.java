package dev.cairn.datadir.bbolt;

/**
 * What an etcd backend db says about its own progress.
 *
 * @param revision the store revision etcd would start at: the main revision of the last key in the
 *     "key" bucket, raised to the compaction revisions when those are higher (as etcd does on
 *     start, so a db whose newest keys were all compacted away still reports its revision); at least 1,
 *     etcd's revision of an empty store
 * @param consistentIndex the raft index of the last entry applied to this db ("meta" bucket); 0
 *     when absent
 * @param finishedCompactRevision the last completed compaction; 0 when never compacted
 * @param scheduledCompactRevision the last requested compaction (it can be ahead of the finished one
 *     when etcd stopped mid-compaction; etcd resumes it on start); 0 when none
 */
public record DbRevision(
    long revision, long consistentIndex, long finishedCompactRevision, long scheduledCompactRevision) {}
