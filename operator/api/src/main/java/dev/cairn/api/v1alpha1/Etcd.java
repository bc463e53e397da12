package dev.cairn.api.v1alpha1;

import dev.cairn.api.Patterns;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An etcd cluster run by cairn: members in a StatefulSet, with optional continuous backups to a store.
 * Status subresource; scale subresource on {@code spec.replicas}.
 */
@Group(Etcd.GROUP)
@Version(Etcd.VERSION)
@ShortNames("etcd")
@Plural("etcds")
@ValidationRule(
    value = "self.metadata.name.size() <= " + Patterns.ETCD_NAME_MAX_LENGTH
        + " && self.metadata.name.matches('" + Patterns.DNS_1035_LABEL + "')",
    message = "metadata.name must be at most 45 characters of lowercase letters, digits and '-', starting with a"
        + " letter: it names the cluster's Services and pods")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"AllMembersReady\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Quorate",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Members", jsonPath = ".status.readyReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Desired", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Backup",
    jsonPath = ".status.conditions[?(@.type==\"BackupReady\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Leader",
    jsonPath = ".status.members[?(@.role==\"Leader\")].name",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".spec.etcd.version", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Etcd extends CustomResource<EtcdSpec, EtcdStatus> implements Namespaced {

  /** The API group of every cairn kind. */
  public static final String GROUP = "cairn.dev";

  /** The API version of every cairn kind. */
  public static final String VERSION = "v1alpha1";

  /** {@code apiVersion} as written in YAML. */
  public static final String API_VERSION = GROUP + "/" + VERSION;

  public Etcd() {}

  /** An Etcd with the given namespace and name and a spec of defaults. */
  public Etcd(String namespace, String name) {
    getMetadata().setNamespace(namespace);
    getMetadata().setName(name);
  }

  @Override
  protected EtcdSpec initSpec() {
    return new EtcdSpec();
  }

  @Override
  protected EtcdStatus initStatus() {
    return null;
  }
}
