package dev.cairn.datadir.bbolt;

/**
 * One thing wrong in a bbolt file.
 *
 * @param pageId the page the problem is on (for an inline bucket: the page holding it), or -1
 *     when it concerns the file as a whole
 * @param bucket the bucket path, e.g. {@code key} or {@code (root)}; empty when not in a bucket
 * @param problem what is wrong, with the values found
 */
public record BoltFinding(long pageId, String bucket, String problem) {
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    if (pageId >= 0) {
      b.append("page ").append(pageId);
    }
    if (!bucket.isEmpty()) {
      b.append(b.length() > 0 ? ", " : "").append("bucket ").append(bucket);
    }
    return (b.length() > 0 ? b.append(": ") : b).append(problem).toString();
  }
}
