package dev.cairn.agent.gc;

import dev.cairn.agent.snapshot.SnapshotCatalog.Entry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps every full snapshot of the last hour, then the newest of each hour for a day, of each day for
 * a week, and of each week for four weeks (UTC buckets); older ones go.
 */
public final class ExponentialPolicy implements RetentionPolicy {

  @Override
  public Set<String> keep(List<Entry> fulls, Instant now) {
    Set<String> keep = new HashSet<>();
    Map<String, Entry> newestPerBucket = new HashMap<>();
    for (Entry e : fulls) {
      Duration age = Duration.between(e.created(), now);
      String bucket;
      if (age.compareTo(Duration.ofHours(1)) <= 0) {
        keep.add(e.object().name());
        continue;
      } else if (age.compareTo(Duration.ofDays(1)) <= 0) {
        bucket = "h" + e.created().truncatedTo(ChronoUnit.HOURS).getEpochSecond();
      } else if (age.compareTo(Duration.ofDays(7)) <= 0) {
        bucket = "d" + e.created().truncatedTo(ChronoUnit.DAYS).getEpochSecond();
      } else if (age.compareTo(Duration.ofDays(28)) <= 0) {
        bucket = "w" + Math.floorDiv(e.created().getEpochSecond(), Duration.ofDays(7).getSeconds());
      } else {
        continue;
      }
      newestPerBucket.merge(bucket, e, (a, b) -> b.created().isAfter(a.created())
          || b.created().equals(a.created()) && b.endRevision() > a.endRevision() ? b : a);
    }
    newestPerBucket.values().forEach(e -> keep.add(e.object().name()));
    return keep;
  }

  @Override
  public String toString() {
    return "Exponential";
  }
}
