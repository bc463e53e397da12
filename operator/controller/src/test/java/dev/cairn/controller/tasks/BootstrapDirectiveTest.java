package dev.cairn.controller.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.model.MemberStatefulSet;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

class BootstrapDirectiveTest {

  @Test
  void theDirectiveIsTheAgreedJson() throws Exception {
    Etcd e = new Etcd("platform", "orders");
    e.getMetadata().setUid("uid-1");
    ConfigMap cm = new BootstrapDirective("task-uid", "RestoreFromStore", "orders-0", null, 4711L, true).configMap(e);
    assertEquals("orders-bootstrap", cm.getMetadata().getName());
    assertEquals("Etcd", cm.getMetadata().getOwnerReferences().get(0).getKind());
    JsonNode n = new ObjectMapper().readTree(cm.getData().get("directive.json"));
    assertEquals("task-uid", n.get("id").asText());
    assertEquals("RestoreFromStore", n.get("action").asText());
    assertEquals("orders-0", n.get("member").asText());
    assertTrue(n.get("snapshot").isNull());
    assertEquals(4711, n.get("revision").asLong());
    assertTrue(n.get("allowTokenMismatch").asBoolean());
    JsonNode f = new ObjectMapper().readTree(
        new BootstrapDirective("u", "ForceNewCluster", "orders-2", null, null, false).toJson());
    assertTrue(f.get("revision").isNull());
    assertEquals(6, f.size(), "every field present, null or not");
  }

  @Test
  void membersMountTheDirectiveOptionallyAndPassItToTheAgent() {
    Etcd e = new Etcd("platform", "orders");
    e.getMetadata().setUid("uid-1");
    StatefulSet s = MemberStatefulSet.build(e, OperatorConfig.defaults(), 3, null);
    Volume v = s.getSpec().getTemplate().getSpec().getVolumes().stream().filter(x -> x.getName().equals("bootstrap"))
        .findFirst().orElseThrow();
    assertEquals("orders-bootstrap", v.getConfigMap().getName());
    assertEquals(Boolean.TRUE, v.getConfigMap().getOptional(), "the ConfigMap exists only while a task needs it");
    Container agent = s.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("agent")).findFirst().orElseThrow();
    assertTrue(agent.getArgs().contains("--bootstrap-directive=/etc/cairn/bootstrap/directive.json"), agent.getArgs()
        .toString());
    assertTrue(agent.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("bootstrap")
        && m.getMountPath().equals("/etc/cairn/bootstrap") && Boolean.TRUE.equals(m.getReadOnly())));
  }
}
