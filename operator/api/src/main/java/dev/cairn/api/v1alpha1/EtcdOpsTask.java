package dev.cairn.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An out-of-band operation on one Etcd: RecoverQuorum, Snapshot or Restore, run by the operator as a
 * resumable state machine.
 */
@Group(Etcd.GROUP)
@Version(Etcd.VERSION)
@ShortNames("etcdtask")
@Plural("etcdopstasks")
@AdditionalPrinterColumn(name = "Etcd", jsonPath = ".spec.etcdRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.type", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class EtcdOpsTask extends CustomResource<EtcdOpsTaskSpec, EtcdOpsTaskStatus> implements Namespaced {

  @Override
  protected EtcdOpsTaskSpec initSpec() {
    return new EtcdOpsTaskSpec();
  }

  @Override
  protected EtcdOpsTaskStatus initStatus() {
    return null;
  }
}
