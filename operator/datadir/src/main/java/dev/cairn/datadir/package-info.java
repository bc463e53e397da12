/**
 * Pure-Java readers and checkers for an etcd data directory: the bbolt database (meta pages,
 * branch/leaf/overflow pages, buckets, freelist), the write-ahead log (record framing and the CRC32C
 * chain), raft {@code .snap} files, and the sha256 trailer of a v3 snapshot. It also reads the current
 * revision and consistent index from a db without scanning it. No Kubernetes and no Go tool: the agent
 * and the {@code cairn validate} command decide whether etcd may start on a data directory from what
 * this package reports.
 */
package dev.cairn.datadir;
