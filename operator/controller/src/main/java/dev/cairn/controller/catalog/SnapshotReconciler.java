package dev.cairn.controller.catalog;

import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.EtcdSnapshotStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deleting an {@code EtcdSnapshot} deletes its stored snapshot (metadata file first, then the object),
 * through the record's finalizer. The newest full snapshot and the deltas after it are protected: such
 * a deletion is refused with {@code status.error} and a Warning event, the stored snapshot stays, and,
 * as with Kubernetes' own PVC protection, the record waits in Terminating and goes once a newer full
 * snapshot has made it an ordinary old snapshot. Records of an Etcd that no longer exists (kept by
 * {@code deletionPolicy.backups: Retain}) are let go without touching the store, whose credentials went
 * with the Etcd.
 *
 * <p>Only records being deleted reach this reconciler: the informer filters out the rest, so a catalog
 * of tens of thousands of records costs no reconcile at start.
 */
@ControllerConfiguration(name = SnapshotReconciler.NAME)
public final class SnapshotReconciler implements Reconciler<EtcdSnapshot>, Cleaner<EtcdSnapshot> {

  public static final String NAME = "etcdsnapshot";
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReconciler.class);

  private final Catalog catalog;

  SnapshotReconciler(Catalog catalog) {
    this.catalog = catalog;
  }

  /**
   * Only deletions. Records are created with the finalizer, so JOSDK never has to add it; and a record
   * whose finalizer the catalog took off (its snapshot is gone) must not get it back on the way out.
   */
  static boolean needsAttention(EtcdSnapshot s) {
    return s.getMetadata().getDeletionTimestamp() != null;
  }

  void configure(ControllerConfigurationOverrider<EtcdSnapshot> c) {
    c.withFinalizer(SnapshotRecords.FINALIZER)
        .withItemStore(catalog.index)
        .withInformerListLimit(500L)
        .withGenerationAware(false)
        .withOnAddFilter(SnapshotReconciler::needsAttention)
        .withOnUpdateFilter((now, before) -> needsAttention(now));
  }

  @Override
  public UpdateControl<EtcdSnapshot> reconcile(EtcdSnapshot record, Context<EtcdSnapshot> ctx) {
    return UpdateControl.noUpdate(); // the finalizer is all a live record needs
  }

  @Override
  public DeleteControl cleanup(EtcdSnapshot record, Context<EtcdSnapshot> ctx) {
    String name = record.getMetadata().getName();
    if (record.getSpec() == null || record.getSpec().getEtcdRef() == null) {
      return DeleteControl.defaultDelete();
    }
    String ns = record.getSpec().getEtcdRef().getNamespace();
    String etcdName = record.getSpec().getEtcdRef().getName();
    Etcd etcd = catalog.client.resources(Etcd.class).inNamespace(ns).withName(etcdName).get();
    Optional<String> object = SnapshotRecords.objectName(record);
    if (etcd == null || etcd.getSpec().getBackup() == null || object.isEmpty()) {
      catalog.events.normal(record, "RecordRemoved", "Removed from the catalog only: "
          + (object.isEmpty() ? "its location " + record.getSpec().getLocation() + " names no snapshot object"
              : etcd == null ? "Etcd " + ns + "/" + etcdName + " no longer exists (its backups were retained)"
                  : "Etcd " + ns + "/" + etcdName + " no longer configures backups")
          + ". The stored snapshot at " + record.getSpec().getLocation() + " is kept; delete it in the store by hand"
          + " if it is not needed.");
      return DeleteControl.defaultDelete();
    }
    SnapshotName sn = SnapshotName.parseObject(object.get()).orElseThrow();
    try (EtcdStore store = EtcdStore.open(catalog.client, etcd)) {
      if (store.store().stat(object.get()).isEmpty()) {
        if (store.store().stat(sn.metadataName()).isPresent()) {
          store.store().delete(sn.metadataName()); // an orphan: it describes nothing any more
        }
        return DeleteControl.defaultDelete();
      }
      long newestFullEnd = catalog.protection.newestFullEnd(CatalogReconciler.key(etcd), store, catalog.clock.instant());
      if (SnapshotRecords.isProtected(sn, newestFullEnd)) {
        String why = sn.kind() == dev.cairn.agent.snapshot.SnapshotKind.FULL
            ? "it is the newest full snapshot (end revision " + sn.endRevision() + ")"
            : "it is a delta after the newest full snapshot (end revision " + newestFullEnd + "), needed to restore the"
                + " latest state";
        String msg = "Deletion refused: " + why + ". The stored snapshot is kept and this record waits; it is deleted"
            + " once a newer full snapshot exists.";
        if (!msg.equals(record.getStatus() == null ? null : record.getStatus().getError())) {
          writeError(record, msg);
          catalog.events.warning(record, "DeletionRefused", msg);
          LOG.info("refused to delete {}: {}", name, why);
        }
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(catalog.protectedRecheck);
      }
      store.store().delete(sn.metadataName()); // untrusted first, so no reader uses a half-deleted snapshot
      store.store().delete(object.get());
      catalog.events.normal(record, "SnapshotDeleted", "Deleted " + record.getSpec().getLocation()
          + " and its metadata file from the store.");
      return DeleteControl.defaultDelete();
    } catch (IOException | RuntimeException e) {
      String msg = "Deleting the stored snapshot failed: " + e.getMessage() + ". Retrying; check the store and the"
          + " Secrets in the Etcd's spec.backup.";
      if (!msg.equals(record.getStatus() == null ? null : record.getStatus().getError())) {
        writeError(record, msg);
        catalog.events.warning(record, "DeleteFailed", msg);
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(15));
    }
  }

  private void writeError(EtcdSnapshot record, String msg) {
    EtcdSnapshotStatus next = new EtcdSnapshotStatus();
    next.setReadyToUse(record.getStatus() == null ? null : record.getStatus().getReadyToUse());
    next.setError(msg);
    if (Objects.equals(next, record.getStatus())) {
      return;
    }
    try {
      catalog.client.resources(EtcdSnapshot.class).withName(record.getMetadata().getName()).subresource("status")
          .patch(PatchContext.of(PatchType.JSON), JsonPatches.status(record.getStatus(), next));
      catalog.writes.wrote("EtcdSnapshot", "patch-status");
    } catch (KubernetesClientException e) {
      LOG.warn("could not record the refusal on {}: {}", record.getMetadata().getName(), e.getMessage());
    }
  }
}
