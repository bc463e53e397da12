/**
 * The {@code cairn} command line (picocli): one binary for the operator, the member agent server,
 * the etcd container's wrapper, and the snapshot, restore, initialize, validate and compact modes.
 */
package dev.cairn.cli;
