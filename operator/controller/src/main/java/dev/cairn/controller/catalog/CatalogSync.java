package dev.cairn.controller.catalog;

import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.StorePage;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.controller.reconcile.WriteListener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one Etcd's {@code EtcdSnapshot} records equal to its store: exactly one record per trusted
 * snapshot (object and metadata file), filled from the metadata file. Three passes:
 *
 * <ul>
 *   <li>{@link #incremental}: the names after the last one seen, creating the records that are missing
 *       (what a snapshot Lease renewal calls for);
 *   <li>{@link #full}: the whole store next to the sorted record names, creating missing records and
 *       removing those whose snapshot is gone;
 *   <li>{@link #purge}: everything, stored snapshots and records (the Etcd is deleted with
 *       {@code deletionPolicy.backups: Delete}).
 * </ul>
 *
 * Memory stays flat: one listing page, the record-name index and a bounded number of records being
 * written. Record creation runs on a few threads because each one costs a metadata read and two API
 * writes.
 */
public final class CatalogSync {

  private static final Logger LOG = LoggerFactory.getLogger(CatalogSync.class);
  /** Metadata files are a few hundred bytes; anything this large is not one. */
  private static final int MAX_METADATA_BYTES = 1 << 20;

  /** How a pass went. */
  public record Stats(long snapshots, long created, long removed, long failed, String resumeAfter, long newestFullEnd,
      List<String> errors) {
    public String summary() {
      return snapshots + " snapshots, " + created + " records created, " + removed + " removed"
          + (failed > 0 ? ", " + failed + " failed" : "");
    }
  }

  private final KubernetesClient client;
  private final CatalogIndex index;
  private final WriteListener writes;
  private final int pageSize;
  private final int parallelism;

  public CatalogSync(KubernetesClient client, CatalogIndex index, WriteListener writes, int pageSize, int parallelism) {
    this.client = client;
    this.index = index;
    this.writes = writes;
    this.pageSize = pageSize;
    this.parallelism = parallelism;
  }

  /** Creates the records missing for snapshots whose names sort after {@code startAfter} (null: all). */
  public Stats incremental(String namespace, String etcd, EtcdStore store, String startAfter) throws IOException {
    try (Writer w = new Writer(namespace, etcd, store)) {
      long[] newestFull = {-1};
      StoreScan.Result r = StoreScan.scan(store, startAfter, pageSize, f -> {
        track(newestFull, f);
        if (!index.contains(SnapshotRecords.recordName(namespace, etcd, f.name()))) {
          w.create(f);
        }
      });
      return w.stats(r, startAfter == null ? newestFull[0] : -2);
    }
  }

  /**
   * Walks the store listing and the Etcd's record names side by side (both sorted the same way):
   * a snapshot without a record gets one; a record without a snapshot is removed once a direct look
   * at the store confirms the snapshot is gone (the listing may predate a record made meanwhile).
   */
  public Stats full(String namespace, String etcd, EtcdStore store) throws IOException {
    String prefix = SnapshotRecords.prefix(namespace, etcd);
    Iterator<String> records = index.namesWithPrefix(prefix).iterator();
    try (Writer w = new Writer(namespace, etcd, store)) {
      String[] rec = {records.hasNext() ? records.next() : null};
      long[] newestFull = {-1};
      StoreScan.Result r = StoreScan.scan(store, null, pageSize, f -> {
        track(newestFull, f);
        String want = SnapshotRecords.recordName(namespace, etcd, f.name());
        while (rec[0] != null && rec[0].compareTo(want) < 0) {
          w.removeIfGone(rec[0]);
          rec[0] = records.hasNext() ? records.next() : null;
        }
        if (want.equals(rec[0])) {
          rec[0] = records.hasNext() ? records.next() : null;
        } else {
          w.create(f);
        }
      });
      while (rec[0] != null) {
        w.removeIfGone(rec[0]);
        rec[0] = records.hasNext() ? records.next() : null;
      }
      return w.stats(r, newestFull[0]);
    }
  }

  /** Deletes every stored snapshot (metadata first), the temporaries, then every record of the Etcd. */
  public Stats purge(String namespace, String etcd, EtcdStore store) throws IOException {
    long deleted = 0;
    String after = null;
    while (true) {
      StorePage page = store.list(after, pageSize);
      List<String> objects = new ArrayList<>();
      for (StoredObject o : page.objects()) {
        if (SnapshotName.metadataBaseName(o.name()).isPresent()) {
          store.store().delete(o.name()); // the snapshot stops being trusted first
          deleted++;
        } else if (SnapshotName.parseObject(o.name()).isPresent()) {
          objects.add(o.name());
        }
      }
      for (String o : objects) {
        store.store().delete(o);
        deleted++;
      }
      if (page.nextStartAfter().isEmpty()) {
        break;
      }
      after = page.nextStartAfter().get();
    }
    for (StoredObject t : store.store().listTemporary()) {
      store.store().deleteTemporary(t.name());
    }
    long removed = 0;
    for (String name : new ArrayList<>(index.namesWithPrefix(SnapshotRecords.prefix(namespace, etcd)))) {
      if (release(name, true)) {
        removed++;
      }
    }
    // Records the informer has not shown yet (made moments ago) are found by label.
    for (EtcdSnapshot s : client.resources(EtcdSnapshot.class)
        .withLabelSelector(SnapshotRecords.selectorString(namespace, etcd)).list().getItems()) {
      if (release(s.getMetadata().getName(), true)) {
        removed++;
      }
    }
    LOG.info("{}/{}: purged {} stored files and {} records", namespace, etcd, deleted, removed);
    return new Stats(deleted / 2, 0, removed, 0, null, -1, List.of());
  }

  private static void track(long[] newestFull, StoreScan.Found f) {
    if (f.name().kind() == SnapshotKind.FULL) {
      newestFull[0] = Math.max(newestFull[0], f.name().endRevision());
    }
  }

  /**
   * Takes the finalizer off a record and deletes it, without touching the store. Returns whether a
   * record was removed.
   */
  boolean release(String name, boolean delete) {
    for (int attempt = 0; attempt < 5; attempt++) {
      EtcdSnapshot s = client.resources(EtcdSnapshot.class).withName(name).get();
      if (s == null) {
        return false;
      }
      try {
        List<String> fin = s.getMetadata().getFinalizers() == null ? List.of() : s.getMetadata().getFinalizers();
        if (fin.contains(SnapshotRecords.FINALIZER)) {
          client.resources(EtcdSnapshot.class).withName(name).patch(PatchContext.of(PatchType.JSON),
              JsonPatches.removeFinalizer(fin, SnapshotRecords.FINALIZER, s.getMetadata().getResourceVersion()));
          writes.wrote("EtcdSnapshot", "patch");
        }
        if (delete && s.getMetadata().getDeletionTimestamp() == null) {
          client.resources(EtcdSnapshot.class).withName(name).delete();
          writes.wrote("EtcdSnapshot", "delete");
        }
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return false;
        }
        if (e.getCode() != 409 && e.getCode() != 422) {
          throw e;
        }
        // Changed under us: read again.
      }
    }
    throw new IllegalStateException("record " + name + " kept changing while its finalizer was being removed");
  }

  /** Writes records for one pass; creations run on a few threads with a bounded queue. */
  private final class Writer implements AutoCloseable {
    final String namespace;
    final String etcd;
    final EtcdStore store;
    final ExecutorService pool;
    final Semaphore inFlight;
    final AtomicLong created = new AtomicLong();
    final AtomicLong removed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    Writer(String namespace, String etcd, EtcdStore store) {
      this.namespace = namespace;
      this.etcd = etcd;
      this.store = store;
      this.pool = Executors.newFixedThreadPool(parallelism, r -> {
        Thread t = new Thread(r, "catalog-" + etcd);
        t.setDaemon(true);
        return t;
      });
      this.inFlight = new Semaphore(parallelism * 4);
    }

    void create(StoreScan.Found f) throws IOException {
      try {
        inFlight.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      pool.execute(() -> {
        try {
          createNow(f);
        } catch (RuntimeException | IOException e) {
          failed.incrementAndGet();
          if (errors.size() < 5) {
            errors.add(f.object().name() + ": " + e.getMessage());
          }
          LOG.warn("{}/{}: no record for {}: {}", namespace, etcd, f.object().name(), e.toString());
        } finally {
          inFlight.release();
        }
      });
    }

    private void createNow(StoreScan.Found f) throws IOException {
      SnapshotMetadata meta = null;
      String problem = null;
      byte[] json;
      try {
        json = read(f.metadata().name());
      } catch (IOException e) {
        if (store.store().stat(f.metadata().name()).isEmpty()) {
          return; // deleted since it was listed (garbage collection): no record
        }
        // Once more (a pooled connection the server had closed), then give up for this pass: a record
        // is never made "not ready" because of a read that failed, only for content that is wrong.
        json = read(f.metadata().name());
      }
      if (json.length > MAX_METADATA_BYTES) {
        problem = "The metadata file " + f.metadata().name() + " is larger than 1 MiB: not a cairn metadata file.";
      } else {
        try {
          meta = SnapshotMetadata.fromJson(json);
        } catch (IOException e) {
          problem = "The metadata file " + f.metadata().name() + " is not valid: " + e.getMessage();
        }
      }
      EtcdSnapshot record = SnapshotRecords.build(namespace, etcd, f.object(), f.name(), meta,
          store.location(f.object().name()), problem);
      EtcdSnapshot made;
      try {
        made = client.resource(record).create();
        writes.wrote("EtcdSnapshot", "create");
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          return; // made by an earlier pass the informer has not shown yet
        }
        throw e;
      }
      if (!java.util.Objects.equals(made.getStatus(), record.getStatus())) {
        // Status is a subresource: a create ignores it.
        client.resources(EtcdSnapshot.class).withName(made.getMetadata().getName()).subresource("status")
            .patch(PatchContext.of(PatchType.JSON), JsonPatches.status(made.getStatus(), record.getStatus()));
        writes.wrote("EtcdSnapshot", "patch-status");
      }
      created.incrementAndGet();
    }

    private byte[] read(String name) throws IOException {
      try (InputStream in = store.store().get(name)) {
        return in.readNBytes(MAX_METADATA_BYTES + 1);
      }
    }

    /** A record the listing did not show: removed only if its snapshot is really gone. */
    void removeIfGone(String name) throws IOException {
      EtcdSnapshot s = client.resources(EtcdSnapshot.class).withName(name).get();
      if (s == null || s.getMetadata().getDeletionTimestamp() != null) {
        return; // gone already, or its own deletion is in progress (the snapshot reconciler's business)
      }
      Optional<String> object = SnapshotRecords.objectName(s);
      if (object.isPresent()) {
        SnapshotName n = SnapshotName.parseObject(object.get()).orElseThrow();
        if (store.store().stat(object.get()).isPresent() && store.store().stat(n.metadataName()).isPresent()) {
          return; // stored after the listing passed its name
        }
      }
      if (release(name, true)) {
        removed.incrementAndGet();
        LOG.info("{}/{}: removed record {}: its snapshot is no longer in {}", namespace, etcd, name, store.describe());
      }
    }

    Stats stats(StoreScan.Result r, long newestFullEnd) {
      close();
      return new Stats(r.snapshots(), created.get(), removed.get(), failed.get(), r.resumeAfter(), newestFullEnd,
          List.copyOf(errors));
    }

    @Override
    public void close() {
      pool.shutdown();
      try {
        if (!pool.awaitTermination(10, TimeUnit.MINUTES)) {
          pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
