package dev.cairn.controller.model;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.OperatorConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import java.util.TreeMap;

/** {@code <name>-config}: the etcd config template and the agent configuration. */
public final class MemberConfigMap {

  private MemberConfigMap() {}

  /** With {@code initial-cluster} listing {@code members} members. */
  public static ConfigMap build(Etcd etcd, OperatorConfig cfg, int members) {
    Map<String, String> data = new TreeMap<>();
    data.put(ConfigRenderer.ETCD_CONFIG_KEY, ConfigRenderer.etcdConfig(etcd, members));
    data.put(ConfigRenderer.AGENT_CONFIG_KEY, ConfigRenderer.agentConfig(etcd, cfg));
    return new ConfigMapBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.configMap(etcd), Labels.COMPONENT_CONFIG))
        .withData(data)
        .build();
  }
}
