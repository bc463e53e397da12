package dev.cairn.agent.gc;

import dev.cairn.agent.snapshot.SnapshotCatalog.Entry;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** Which full snapshots a garbage-collection policy keeps. Deltas follow their full snapshot. */
public interface RetentionPolicy {

  /**
   * The object names of the full snapshots to keep.
   *
   * @param fulls trusted full snapshots in revision order
   */
  Set<String> keep(List<Entry> fulls, Instant now);

  /** Parses the policy flag: {@code LimitBased} (with {@code maxBackups}) or {@code Exponential}. */
  static RetentionPolicy parse(String policy, Integer maxBackups) {
    if ("LimitBased".equalsIgnoreCase(policy) || "limit-based".equalsIgnoreCase(policy)) {
      if (maxBackups == null || maxBackups < 1) {
        throw new IllegalArgumentException(
            "garbage collection policy LimitBased needs a positive max-backups, got " + maxBackups);
      }
      return new LimitBasedPolicy(maxBackups);
    }
    if ("Exponential".equalsIgnoreCase(policy)) {
      return new ExponentialPolicy();
    }
    throw new IllegalArgumentException("unknown garbage collection policy '" + policy + "': use LimitBased or Exponential");
  }
}
