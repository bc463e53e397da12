package dev.cairn.agent.gc;

import dev.cairn.agent.snapshot.SnapshotCatalog.Entry;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Keeps the newest {@code max} full snapshots (by revision) and their deltas. */
public record LimitBasedPolicy(int max) implements RetentionPolicy {

  public LimitBasedPolicy {
    if (max < 1) {
      throw new IllegalArgumentException("LimitBased needs max >= 1, got " + max);
    }
  }

  @Override
  public Set<String> keep(List<Entry> fulls, Instant now) {
    Set<String> keep = new HashSet<>();
    for (int i = Math.max(0, fulls.size() - max); i < fulls.size(); i++) {
      keep.add(fulls.get(i).object().name());
    }
    return keep;
  }

  @Override
  public String toString() {
    return "LimitBased(max " + max + ")";
  }
}
