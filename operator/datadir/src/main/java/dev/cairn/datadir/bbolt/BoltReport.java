package dev.cairn.datadir.bbolt;

import java.nio.file.Path;
import java.util.List;

/**
 * What a full check of a bbolt file found.
 *
 * @param used the meta page the tree was read from (the valid one with the higher txid)
 * @param reachablePages pages reached from the root, meta and freelist pages included
 * @param freePages pages listed free (stored freelist) or not reachable (freelist not stored)
 * @param findings every problem found, up to the limit the check was given
 * @param omittedFindings problems found beyond that limit
 * @param warnings things that are not corruption but worth knowing (e.g. one meta page invalid)
 */
public record BoltReport(
    Path file,
    long fileSize,
    int pageSize,
    Meta meta0,
    Meta meta1,
    Meta used,
    long highWaterMark,
    long reachablePages,
    long freePages,
    long buckets,
    long keys,
    long overflowPages,
    List<BoltFinding> findings,
    long omittedFindings,
    List<String> warnings) {

  /** True when nothing is wrong: bbolt and etcd can open and read every page. */
  public boolean ok() {
    return findings.isEmpty();
  }
}
