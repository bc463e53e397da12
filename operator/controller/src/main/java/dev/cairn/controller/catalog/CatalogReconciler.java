package dev.cairn.controller.catalog;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.RetentionPolicy;
import dev.cairn.controller.model.ManagedMetadata;
import dev.cairn.controller.model.Names;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog side of an Etcd: keeps its {@code EtcdSnapshot} records equal to its store. A renewal
 * of a snapshot Lease (the agent stored a snapshot) runs an incremental pass over the names after the
 * last one seen; a full resync runs at start and then every resync period; a failing store is retried
 * with backoff and reported once by a Warning event on the Etcd. On deletion with {@code
 * deletionPolicy.backups: Delete} it deletes the stored snapshots and their records; with Retain both
 * stay.
 */
@ControllerConfiguration(name = CatalogReconciler.NAME)
public final class CatalogReconciler implements Reconciler<Etcd>, Cleaner<Etcd> {

  public static final String NAME = "etcd-catalog";
  /** The finalizer of this controller on every Etcd: the stored snapshots go first when the policy says so. */
  public static final String FINALIZER = "cairn.dev/catalog";
  private static final Logger LOG = LoggerFactory.getLogger(CatalogReconciler.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  /** How long a deletion keeps trying to delete the stored snapshots before it gives up and says so. */
  static final Duration PURGE_PATIENCE = Duration.ofMinutes(10);

  private final Catalog catalog;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  /** Etcds (by UID) whose stored snapshots were deleted while their deletion waits for the other finalizer. */
  private final java.util.Set<String> purged = ConcurrentHashMap.newKeySet();

  /** What this operator knows about one Etcd's catalog; lost on restart, which means a full resync. */
  private static final class State {
    Instant lastFull;
    String resumeAfter;
    String leaseMark;
    Map<String, Long> leaseRevisions = Map.of();
    Instant retryAt;
    Long generation;
    Duration backoff = FIRST_RETRY;
    String reportedFailure;
  }

  CatalogReconciler(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Spec, annotations and deletion start a pass; status written by the Etcd reconciler does not. */
  static boolean primaryChanged(Etcd now, Etcd before) {
    return !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp())
        || !Objects.equals(now.getMetadata().getFinalizers(), before.getMetadata().getFinalizers());
  }

  @Override
  public List<EventSource<?, Etcd>> prepareEventSources(EventSourceContext<Etcd> ctx) {
    var cfg = InformerEventSourceConfiguration.from(Lease.class, Etcd.class)
        .withName("SnapshotLease")
        .withLabelSelector(ManagedMetadata.MANAGED_SELECTOR + "," + Labels.COMPONENT + "=" + Labels.COMPONENT_LEASE)
        .withGenericFilter(l -> Names.isSnapshotLease(l.getMetadata().getName()))
        .build();
    return List.of(new InformerEventSource<>(cfg, ctx));
  }

  @Override
  public UpdateControl<Etcd> reconcile(Etcd etcd, Context<Etcd> ctx) {
    String key = key(etcd);
    if (etcd.getSpec().getBackup() == null) {
      // Without spec.backup there is no store to follow; existing records are left as they are.
      states.remove(key);
      catalog.stores.forget(key);
      return UpdateControl.noUpdate();
    }
    State st = states.computeIfAbsent(key, k -> new State());
    Instant now = catalog.clock.instant();
    if (st.retryAt != null && now.isBefore(st.retryAt)) {
      return UpdateControl.<Etcd>noUpdate().rescheduleAfter(Duration.between(now, st.retryAt));
    }
    String mark = leaseMark(ctx);
    // A changed spec may point at another store: start over with a full resync.
    Map<String, Long> leaseRevisions = leaseRevisions(ctx);
    // A snapshot Lease whose revision went down: a restore to an older point started a new timeline
    // (the agent's ADR 0008). Its snapshots sort before the names an incremental pass resumes after,
    // and the abandoned ones left the listing: only a full pass sees both.
    boolean fullDue = st.lastFull == null || !now.isBefore(st.lastFull.plus(catalog.resyncPeriod))
        || !Objects.equals(st.generation, etcd.getMetadata().getGeneration())
        || wentBack(st.leaseRevisions, leaseRevisions);
    if (!fullDue && Objects.equals(mark, st.leaseMark)) {
      return UpdateControl.<Etcd>noUpdate().rescheduleAfter(Duration.between(now, st.lastFull.plus(catalog.resyncPeriod)));
    }
    String ns = etcd.getMetadata().getNamespace();
    String name = etcd.getMetadata().getName();
    try {
      EtcdStore store = catalog.stores.get(catalog.client, etcd);
      CatalogSync.Stats s;
      long t0 = System.nanoTime();
      if (fullDue) {
        s = catalog.sync.full(ns, name, store);
        st.lastFull = now;
        st.generation = etcd.getMetadata().getGeneration();
        catalog.protection.learned(key, s.newestFullEnd(), now);
      } else {
        s = catalog.sync.incremental(ns, name, store, st.resumeAfter);
      }
      st.resumeAfter = s.resumeAfter();
      st.leaseMark = mark;
      st.leaseRevisions = leaseRevisions;
      long ms = (System.nanoTime() - t0) / 1_000_000;
      if (s.created() > 0 || s.removed() > 0 || fullDue) {
        LOG.info("{}/{}: catalog {} pass in {} ms: {}", ns, name, fullDue ? "full" : "incremental", ms, s.summary());
      }
      if (s.failed() > 0) {
        throw new IOException(s.failed() + " record(s) could not be written, for example " + s.errors());
      }
      st.retryAt = null;
      st.backoff = FIRST_RETRY;
      if (st.reportedFailure != null) {
        catalog.events.normal(etcd, "CatalogSynced", "The snapshot catalog is in step with " + store.describe()
            + " again: " + s.summary() + ".");
        st.reportedFailure = null;
      }
    } catch (IOException | RuntimeException e) {
      catalog.stores.forget(key); // opened afresh next time
      String msg = "The snapshot catalog could not be brought in step with the backup store: " + e.getMessage()
          + ". The operator retries in " + st.backoff.toSeconds() + "s; check the store and the Secrets in"
          + " spec.backup.";
      LOG.warn("{}/{}: {}", ns, name, msg);
      if (st.reportedFailure == null) {
        catalog.events.warning(etcd, "CatalogSyncFailed", msg);
        st.reportedFailure = msg;
      }
      st.retryAt = now.plus(st.backoff);
      Duration next = st.backoff;
      st.backoff = min(st.backoff.multipliedBy(2), catalog.resyncPeriod);
      return UpdateControl.<Etcd>noUpdate().rescheduleAfter(next);
    }
    return UpdateControl.<Etcd>noUpdate().rescheduleAfter(catalog.resyncPeriod);
  }

  // What the snapshot Leases say right now; a change means the agent stored something.
  /** The end revision each snapshot Lease holds (holderIdentity), by Lease name; unparsable ones left out. */
  private static Map<String, Long> leaseRevisions(Context<Etcd> ctx) {
    Map<String, Long> m = new TreeMap<>();
    for (Lease l : ctx.getSecondaryResources(Lease.class)) {
      if (l.getSpec() != null && l.getSpec().getHolderIdentity() != null) {
        try {
          m.put(l.getMetadata().getName(), Long.parseLong(l.getSpec().getHolderIdentity().strip()));
        } catch (NumberFormatException ignored) {
          // not an end revision: nothing to compare
        }
      }
    }
    return m;
  }

  /** Whether any snapshot Lease now holds a lower revision than before. */
  static boolean wentBack(Map<String, Long> before, Map<String, Long> now) {
    for (Map.Entry<String, Long> e : now.entrySet()) {
      Long b = before.get(e.getKey());
      if (b != null && e.getValue() < b) {
        return true;
      }
    }
    return false;
  }

  private static String leaseMark(Context<Etcd> ctx) {
    Map<String, String> m = new TreeMap<>();
    for (Lease l : ctx.getSecondaryResources(Lease.class)) {
      if (l.getSpec() != null) {
        m.put(l.getMetadata().getName(), l.getSpec().getHolderIdentity() + "@" + l.getSpec().getRenewTime());
      }
    }
    return m.toString();
  }

  @Override
  public DeleteControl cleanup(Etcd etcd, Context<Etcd> ctx) {
    String key = key(etcd);
    states.remove(key);
    catalog.protection.forget(key);
    catalog.stores.forget(key);
    boolean purge = etcd.getSpec().getBackup() != null
        && etcd.getSpec().getDeletionPolicy().getBackups() == RetentionPolicy.DELETE;
    if (purge && !purged.contains(etcd.getMetadata().getUid())) {
      DeleteControl retry = purge(etcd);
      if (retry != null) {
        return retry;
      }
      purged.add(etcd.getMetadata().getUid());
    }
    // With Retain the snapshots and their records simply stay. This finalizer goes last, after the Etcd
    // reconciler's: two finalizers removed at the same moment race (JSON Patch by array index).
    if (etcd.hasFinalizer(catalog.etcdFinalizer)) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofMillis(200));
    }
    purged.remove(etcd.getMetadata().getUid());
    return DeleteControl.defaultDelete();
  }

  /** Deletes the stored snapshots and their records; null when done, else how to go on. */
  private DeleteControl purge(Etcd etcd) {
    String ns = etcd.getMetadata().getNamespace();
    String name = etcd.getMetadata().getName();
    try (EtcdStore store = EtcdStore.open(catalog.client, etcd)) {
      CatalogSync.Stats s = catalog.sync.purge(ns, name, store);
      catalog.events.normal(etcd, "BackupsDeleted", "Deleted the stored snapshots in " + store.describe() + " and "
          + s.removed() + " EtcdSnapshot records (deletionPolicy.backups is Delete).");
      return null;
    } catch (IOException | RuntimeException e) {
      Instant since = etcd.getMetadata().getDeletionTimestamp() == null ? catalog.clock.instant()
          : Instant.parse(etcd.getMetadata().getDeletionTimestamp());
      if (catalog.clock.instant().isAfter(since.plus(PURGE_PATIENCE))) {
        catalog.events.warning(etcd, "BackupsNotDeleted", "Gave up deleting the stored snapshots after "
            + PURGE_PATIENCE.toMinutes() + " minutes: " + e.getMessage() + ". They and their EtcdSnapshot records"
            + " are kept; delete them in the store by hand, then the records.");
        return null;
      }
      LOG.warn("{}/{}: deleting the stored snapshots failed, retrying: {}", ns, name, e.getMessage());
      catalog.events.warning(etcd, "BackupsDeleteFailed", "Deleting the stored snapshots failed: " + e.getMessage()
          + ". Retrying for up to " + PURGE_PATIENCE.toMinutes() + " minutes after the deletion request.");
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(15));
    }
  }

  static String key(Etcd etcd) {
    return etcd.getMetadata().getNamespace() + "/" + etcd.getMetadata().getName();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
