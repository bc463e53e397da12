package dev.cairn.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A catalog entry for one snapshot in a backup store; cluster-scoped, one per stored object, kept by the
 * operator. Deleting it deletes the stored object (never the newest full snapshot chain).
 */
@Group(Etcd.GROUP)
@Version(Etcd.VERSION)
@ShortNames("etcdsnap")
@Plural("etcdsnapshots")
@AdditionalPrinterColumn(name = "Etcd", jsonPath = ".spec.etcdRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Namespace",
    jsonPath = ".spec.etcdRef.namespace",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Kind", jsonPath = ".spec.kind", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "End Revision", jsonPath = ".spec.endRevision", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".spec.size", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyToUse", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(
    name = "Location",
    jsonPath = ".spec.location",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Taken", jsonPath = ".spec.createdAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class EtcdSnapshot extends CustomResource<EtcdSnapshotSpec, EtcdSnapshotStatus> {

  @Override
  protected EtcdSnapshotSpec initSpec() {
    return new EtcdSnapshotSpec();
  }

  @Override
  protected EtcdSnapshotStatus initStatus() {
    return null;
  }
}
