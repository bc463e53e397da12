package dev.cairn.controller.catalog;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The end revision of each Etcd's newest full snapshot, which decides what a deletion may remove. A
 * value is reused for a short while (a bulk {@code kubectl delete etcdsnap -l ...} must not list the
 * store once per record); it is safe to reuse because the newest full snapshot only moves forward
 * (garbage collection never deletes it and deleting it here is refused), and a value that is too low
 * only protects more.
 */
final class Protection {

  private record Known(long newestFullEnd, Instant at) {}

  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Duration reuseFor;
  private final int pageSize;

  Protection(Duration reuseFor, int pageSize) {
    this.reuseFor = reuseFor;
    this.pageSize = pageSize;
  }

  /** What a full resync found. */
  void learned(String etcdKey, long newestFullEnd, Instant at) {
    known.put(etcdKey, new Known(newestFullEnd, at));
  }

  void forget(String etcdKey) {
    known.remove(etcdKey);
  }

  long newestFullEnd(String etcdKey, EtcdStore store, Instant now) throws IOException {
    Known k = known.get(etcdKey);
    if (k != null && now.isBefore(k.at().plus(reuseFor))) {
      return k.newestFullEnd();
    }
    long end = StoreScan.newestFullEnd(store, pageSize);
    known.put(etcdKey, new Known(end, now));
    return end;
  }
}
