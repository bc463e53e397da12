package dev.cairn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart rendered with its defaults and with every group of values changed; bad values refused clearly. */
class ChartValuesTest {

  static final Map<String, Object> NON_DEFAULT = Map.of(
      "image", Map.of("repository", "registry.example.com/cairn", "tag", "0.2.0", "pullPolicy", "Always"),
      "replicaCount", 3,
      "leaderElection", Map.of("leaseName", "etcd-operator-leader"),
      "operator", Map.of("watchNamespaces", List.of("team-a", "team-b"), "autoReconcile", false,
          "defaultEtcdVersion", "3.5.21", "reconcileThreads", 8, "resync", "20s",
          "extraArgs", List.of("--member-not-ready-after=10m")),
      "logging", Map.of("format", "text", "level", "DEBUG"),
      "resources", Map.of("requests", Map.of("cpu", "500m", "memory", "1Gi"), "limits", Map.of("memory", "2Gi")),
      "metrics", Map.of("serviceMonitor", Map.of("enabled", true, "labels", Map.of("release", "prometheus"))),
      "protection", Map.of("enabled", false),
      "nodeSelector", Map.of("node-role.kubernetes.io/control-plane", ""));

  @Test
  void defaultsInstallTheOperatorWithItsRbacCrdsAndMetrics() {
    List<ObjectNode> o = Chart.render();
    for (String kind : List.of("Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service",
        "PodDisruptionBudget")) {
      assertEquals(1, Manifests.ofKind(o, kind).size(), kind);
    }
    assertEquals(3, Manifests.ofKind(o, "CustomResourceDefinition").size());
    assertTrue(Manifests.ofKind(o, "ServiceMonitor").isEmpty(), "the ServiceMonitor is optional, off by default");
    JsonNode d = Manifests.one(o, "Deployment").orElseThrow();
    assertEquals(2, d.path("spec").path("replicas").asInt(), "two replicas with leader election");
    List<String> args = args(o);
    assertTrue(args.contains("--leader-election"), args.toString());
    assertTrue(args.contains("--etcd-image=ghcr.io/cairn-dev/cairn:0.1.0-etcd{version}"), args.toString());
    assertTrue(args.contains("--agent-image=ghcr.io/cairn-dev/cairn:0.1.0"), args.toString());
    assertEquals("ghcr.io/cairn-dev/cairn:0.1.0", container(o).path("image").asText(), "the operator runs the same image");
    assertEquals("json", env(o, "CAIRN_LOG_FORMAT"));
    JsonNode svc = Manifests.one(o, "Service").orElseThrow();
    assertEquals(d.path("spec").path("selector").path("matchLabels"), svc.path("spec").path("selector"),
        "the metrics Service selects the operator's pods");
  }

  @Test
  void nonDefaultValuesReachTheObjects() {
    List<ObjectNode> o = Chart.render(NON_DEFAULT);
    JsonNode d = Manifests.one(o, "Deployment").orElseThrow();
    assertEquals(3, d.path("spec").path("replicas").asInt());
    assertEquals("registry.example.com/cairn:0.2.0", container(o).path("image").asText());
    assertEquals("Always", container(o).path("imagePullPolicy").asText());
    List<String> args = args(o);
    for (String a : List.of("--leader-election-lease=etcd-operator-leader", "--namespaces=team-a,team-b",
        "--no-auto-reconcile", "--default-etcd-version=3.5.21", "--reconcile-threads=8", "--resync=20s",
        "--etcd-image=registry.example.com/cairn:0.2.0-etcd{version}", "--agent-image=registry.example.com/cairn:0.2.0",
        "--image-pull-policy=Always", "--member-not-ready-after=10m")) {
      assertTrue(args.contains(a), a + " in " + args);
    }
    assertEquals("text", env(o, "CAIRN_LOG_FORMAT"));
    assertEquals("DEBUG", env(o, "CAIRN_LOG_LEVEL"));
    assertEquals("2Gi", container(o).path("resources").path("limits").path("memory").asText());
    JsonNode sm = Manifests.one(o, "ServiceMonitor").orElseThrow();
    assertEquals("/metrics", sm.path("spec").path("endpoints").get(0).path("path").asText());
    assertEquals("prometheus", sm.path("metadata").path("labels").path("release").asText());
    assertTrue(Manifests.ofKind(o, "ValidatingAdmissionPolicy").isEmpty(), "protection off");
    assertEquals("", d.path("spec").path("template").path("spec").path("nodeSelector")
        .path("node-role.kubernetes.io/control-plane").asText("missing"));
  }

  @Test
  void anotherReleaseAndNamespaceRenameEverythingConsistently() {
    List<ObjectNode> o = Chart.render(Map.of(), "etcd-ops", "platform-system");
    JsonNode crb = Manifests.one(o, "ClusterRoleBinding").orElseThrow();
    assertEquals("platform-system", crb.path("subjects").get(0).path("namespace").asText());
    assertEquals("cairn-etcd-ops-operator", crb.path("subjects").get(0).path("name").asText());
    for (ObjectNode x : o) {
      String ns = x.path("metadata").path("namespace").asText("");
      assertTrue(ns.isEmpty() || ns.equals("platform-system"), Manifests.key(x) + " outside the release namespace");
    }
    for (ObjectNode cm : Manifests.ofKind(o, "ConfigMap")) {
      JsonNode user = cm.path("data").path("operatorUsername");
      if (!user.isMissingNode()) {
        assertEquals("system:serviceaccount:platform-system:cairn-etcd-ops-operator", user.asText(),
            "the protection policy must exempt this release's operator");
      }
    }
    for (ObjectNode b : Manifests.ofKind(o, "ValidatingAdmissionPolicyBinding")) {
      assertEquals("platform-system", b.path("spec").path("paramRef").path("namespace").asText());
    }
  }

  @Test
  void severalReplicasWithoutLeaderElectionAreRefused() {
    var e = assertThrows(IllegalStateException.class, () -> Chart.render(Map.of("leaderElection", Map.of("enabled", false))));
    assertTrue(e.getMessage().contains("leaderElection.enabled is false"), e.getMessage());
    List<ObjectNode> single = Chart.render(Map.of("replicaCount", 1, "leaderElection", Map.of("enabled", false)));
    assertTrue(args(single).contains("--no-leader-election"));
    assertTrue(Manifests.ofKind(single, "PodDisruptionBudget").isEmpty(), "no PDB for a single replica");
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    Map<String, Map<String, Object>> bad = Map.of(
        "logging", Map.of("logging", Map.of("format", "xml")),
        "defaultEtcdVersion", Map.of("operator", Map.of("defaultEtcdVersion", "v3.5")),
        "replicaCount", Map.of("replicaCount", 0),
        "resync", Map.of("operator", Map.of("resync", "30 seconds")));
    bad.forEach((field, values) -> {
      var e = assertThrows(IllegalStateException.class, () -> Chart.render(values), field);
      assertTrue(e.getMessage().contains(field), "the error names " + field + ": " + e.getMessage());
    });
  }

  @Test
  void everyTemplatedObjectCarriesTheChartsLabels() {
    for (ObjectNode x : Chart.templates(Map.of("protection", Map.of("enabled", false)), Chart.RELEASE, Chart.NAMESPACE)) {
      JsonNode labels = x.path("metadata").path("labels");
      assertEquals("cairn", labels.path("app.kubernetes.io/name").asText(), Manifests.key(x));
      assertEquals(Chart.RELEASE, labels.path("app.kubernetes.io/instance").asText(), Manifests.key(x));
      assertEquals("Helm", labels.path("app.kubernetes.io/managed-by").asText(), Manifests.key(x));
    }
  }

  static JsonNode container(List<ObjectNode> o) {
    return Manifests.one(o, "Deployment").orElseThrow().path("spec").path("template").path("spec").path("containers").get(0);
  }

  static List<String> args(List<ObjectNode> o) {
    List<String> out = new ArrayList<>();
    container(o).path("args").forEach(a -> out.add(a.asText()));
    return out;
  }

  static String env(List<ObjectNode> o, String name) {
    for (JsonNode e : container(o).path("env")) {
      if (name.equals(e.path("name").asText())) {
        return e.path("value").asText();
      }
    }
    throw new AssertionError("no env " + name);
  }
}
