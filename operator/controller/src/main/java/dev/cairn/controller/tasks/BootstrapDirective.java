package dev.cairn.controller.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.model.ManagedMetadata;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.model.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;

/**
 * What a member does at its next start, told by a task through the ConfigMap {@code <etcd>-bootstrap}
 * (key {@value MemberStatefulSet#BOOTSTRAP_KEY}), which every member pod mounts optionally and hands to
 * its agent with {@code --bootstrap-directive}. The named member applies it once per {@code id}; the
 * others ignore it. Only the task reconciler writes it, and removes it once the member is ready.
 *
 * <pre>
 * {"id": "&lt;task uid&gt;", "action": "ForceNewCluster" | "RestoreFromStore", "member": "&lt;pod name&gt;",
 *  "snapshot": "&lt;store object name&gt;" | null, "revision": N | null, "allowTokenMismatch": false}
 * </pre>
 *
 * ForceNewCluster: start etcd on the member's own data with {@code --force-new-cluster} (membership
 * reset to this one member, data and cluster ID kept). RestoreFromStore: replace the member's data with
 * a restore from the store (the named snapshot's chain, or the state at {@code revision}, or the newest
 * chain when both are null) as a new one-member cluster, refusing a token-hash mismatch unless allowed.
 */
public record BootstrapDirective(
    String id, String action, String member, String snapshot, Long revision, boolean allowTokenMismatch) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id);
    n.put("action", action);
    n.put("member", member);
    if (snapshot == null) {
      n.putNull("snapshot");
    } else {
      n.put("snapshot", snapshot);
    }
    if (revision == null) {
      n.putNull("revision");
    } else {
      n.put("revision", revision);
    }
    n.put("allowTokenMismatch", allowTokenMismatch);
    return n.toString();
  }

  /** The ConfigMap holding this directive, owned by the Etcd. */
  public ConfigMap configMap(Etcd etcd) {
    return new ConfigMapBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.bootstrapConfigMap(etcd), Labels.COMPONENT_CONFIG))
        .withData(Map.of(MemberStatefulSet.BOOTSTRAP_KEY, toJson()))
        .build();
  }
}
