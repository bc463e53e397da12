package dev.cairn.agent.snapshot;

import dev.cairn.agent.store.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a store listing says about the snapshots in it, from names alone (no object is read). A
 * snapshot is trusted only when both its object and its metadata file are listed: the metadata file
 * is written after the object, so its presence proves the object is complete.
 */
public final class SnapshotCatalog {

  /** A trusted snapshot: its parsed name, its object and its metadata file. */
  public record Entry(SnapshotName name, StoredObject object, StoredObject metadata) {
    public SnapshotKind kind() {
      return name.kind();
    }

    public long endRevision() {
      return name.endRevision();
    }

    public long startRevision() {
      return name.startRevision();
    }

    public Instant created() {
      return name.created();
    }
  }

  private final List<Entry> snapshots;
  private final List<StoredObject> untrusted;
  private final List<StoredObject> orphanMetadata;

  private SnapshotCatalog(List<Entry> snapshots, List<StoredObject> untrusted, List<StoredObject> orphanMetadata) {
    this.snapshots = List.copyOf(snapshots);
    this.untrusted = List.copyOf(untrusted);
    this.orphanMetadata = List.copyOf(orphanMetadata);
  }

  public static SnapshotCatalog empty() {
    return new SnapshotCatalog(List.of(), List.of(), List.of());
  }

  /** Builds the catalog from a listing (any order; names that are not snapshots are ignored). */
  public static SnapshotCatalog of(List<StoredObject> listing) {
    Map<String, StoredObject> metadataByBase = new HashMap<>();
    Map<String, SnapshotName> objectNames = new HashMap<>();
    Map<String, StoredObject> objects = new HashMap<>();
    for (StoredObject o : listing) {
      Optional<String> base = SnapshotName.metadataBaseName(o.name());
      if (base.isPresent()) {
        metadataByBase.put(base.get(), o);
        continue;
      }
      SnapshotName.parseObject(o.name()).ifPresent(n -> {
        objectNames.put(o.name(), n);
        objects.put(o.name(), o);
      });
    }
    List<Entry> trusted = new ArrayList<>();
    List<StoredObject> untrusted = new ArrayList<>();
    Map<String, Boolean> usedMetadata = new HashMap<>();
    for (Map.Entry<String, SnapshotName> e : objectNames.entrySet()) {
      StoredObject meta = metadataByBase.get(e.getValue().baseName());
      if (meta != null) {
        trusted.add(new Entry(e.getValue(), objects.get(e.getKey()), meta));
        usedMetadata.put(e.getValue().baseName(), true);
      } else {
        untrusted.add(objects.get(e.getKey()));
      }
    }
    List<StoredObject> orphans = new ArrayList<>();
    metadataByBase.forEach((base, o) -> {
      if (!usedMetadata.containsKey(base)) {
        orphans.add(o);
      }
    });
    trusted.sort(Comparator.comparing(en -> en.object().name()));
    untrusted.sort(Comparator.comparing(StoredObject::name));
    orphans.sort(Comparator.comparing(StoredObject::name));
    return new SnapshotCatalog(trusted, untrusted, orphans);
  }

  /** Trusted snapshots in revision order (ascending end revision; at equal end, deltas before fulls). */
  public List<Entry> snapshots() {
    return snapshots;
  }

  /** Snapshot objects without metadata: incomplete uploads, never used by readers. */
  public List<StoredObject> untrustedObjects() {
    return untrusted;
  }

  /** Metadata files whose object is gone. */
  public List<StoredObject> orphanMetadata() {
    return orphanMetadata;
  }

  public List<Entry> fulls() {
    return snapshots.stream().filter(e -> e.kind() == SnapshotKind.FULL).toList();
  }

  /** The full snapshot with the highest end revision (the newest taken among equals). */
  public Optional<Entry> newestFull() {
    Entry best = null;
    for (Entry e : snapshots) {
      if (e.kind() == SnapshotKind.FULL
          && (best == null || e.endRevision() > best.endRevision()
              || e.endRevision() == best.endRevision() && e.created().isAfter(best.created()))) {
        best = e;
      }
    }
    return Optional.ofNullable(best);
  }

  /** The highest end revision of any trusted snapshot; 0 for an empty store. */
  public long newestEndRevision() {
    return snapshots.stream().mapToLong(Entry::endRevision).max().orElse(0);
  }

  /**
   * The newest full snapshot and every delta that ends after it, in order: what a restore of the
   * latest state replays. Empty without a full snapshot.
   */
  public List<Entry> newestChain() {
    Optional<Entry> full = newestFull();
    if (full.isEmpty()) {
      return List.of();
    }
    List<Entry> chain = new ArrayList<>();
    chain.add(full.get());
    for (Entry e : snapshots) {
      if (e.kind() == SnapshotKind.DELTA && e.endRevision() > full.get().endRevision()) {
        chain.add(e);
      }
    }
    return chain;
  }
}
