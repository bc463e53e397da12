package dev.cairn.controller.catalog;

import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.StorePage;
import dev.cairn.agent.store.StoredObject;
import java.io.IOException;
import java.util.Optional;

/**
 * Walks a store listing page by page and hands over every trusted snapshot (object and metadata file
 * both present) in name order, holding one page and one pending object at a time: memory does not
 * grow with the number of snapshots.
 *
 * <p>An object and its metadata file are neighbours in the sorted listing ({@code BASE.db...} sorts
 * just before {@code BASE.meta.json}, and nothing else starts with {@code BASE.}), so pairing needs
 * only the previous object.
 */
public final class StoreScan {

  /** A trusted snapshot. */
  record Found(SnapshotName name, StoredObject object, StoredObject metadata) {}

  @FunctionalInterface
  interface Visitor {
    void visit(Found f) throws IOException;
  }

  /**
   * Where a later incremental scan should start: after the last name before the first object that had
   * no metadata yet (an upload still finishing), else after the last name seen.
   */
  record Result(String resumeAfter, long snapshots) {}

  private StoreScan() {}

  static Result scan(EtcdStore store, String startAfter, int pageSize, Visitor visitor) throws IOException {
    String after = startAfter;
    String lastSeen = startAfter;
    String resumeAfter = null;
    SnapshotName pendingName = null;
    StoredObject pending = null;
    String beforePending = startAfter;
    long count = 0;
    while (true) {
      StorePage page = store.list(after, pageSize);
      for (StoredObject o : page.objects()) {
        Optional<String> metaBase = SnapshotName.metadataBaseName(o.name());
        if (metaBase.isPresent()) {
          if (pending != null && pendingName.baseName().equals(metaBase.get())) {
            visitor.visit(new Found(pendingName, pending, o));
            count++;
            pending = null;
          }
          lastSeen = o.name();
          continue;
        }
        Optional<SnapshotName> n = SnapshotName.parseObject(o.name());
        if (n.isEmpty()) {
          lastSeen = o.name();
          continue; // not a snapshot (a foreign file): nothing to catalogue
        }
        if (pending != null && resumeAfter == null) {
          resumeAfter = beforePending; // the pending object never got its metadata (yet)
        }
        pending = o;
        pendingName = n.get();
        beforePending = lastSeen;
        lastSeen = o.name();
      }
      if (page.nextStartAfter().isEmpty()) {
        break;
      }
      after = page.nextStartAfter().get();
    }
    if (pending != null && resumeAfter == null) {
      resumeAfter = beforePending;
    }
    return new Result(resumeAfter != null ? resumeAfter : lastSeen, count);
  }

  /** End revision of the newest trusted full snapshot, -1 when there is none. One pass over the listing. */
  public static long newestFullEnd(EtcdStore store, int pageSize) throws IOException {
    long[] best = {-1};
    scan(store, null, pageSize, f -> {
      if (f.name().kind() == SnapshotKind.FULL && f.name().endRevision() > best[0]) {
        best[0] = f.name().endRevision();
      }
    });
    return best[0];
  }

  /** End revision of the newest trusted snapshot of any kind, 0 for an empty store. */
  public static long newestEnd(EtcdStore store, int pageSize) throws IOException {
    long[] best = {0};
    scan(store, null, pageSize, f -> best[0] = Math.max(best[0], f.name().endRevision()));
    return best[0];
  }
}
