package dev.cairn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.StoreProvider;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.model.MemberStatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every container cairn puts on a cluster meets the restricted Pod Security Standard: the operator's
 * (the chart with default and non-default values, the kustomize base) and both containers of the
 * member pods the operator builds for each sample Etcd.
 */
class PodSecurityTest {

  @Test
  void theOperatorPodsOfTheChartAreRestricted() {
    for (Map<String, Object> values : List.of(Map.<String, Object>of(), ChartValuesTest.NON_DEFAULT)) {
      List<ObjectNode> objects = Chart.render(values);
      List<String> violations = new ArrayList<>();
      int pods = 0;
      for (ObjectNode o : objects) {
        JsonNode spec = podSpec(o);
        if (spec != null) {
          pods++;
          violations.addAll(PodSecurity.violations(Manifests.key(o), spec));
        }
      }
      assertEquals(1, pods, "the chart runs one workload, the operator Deployment");
      assertTrue(violations.isEmpty(), "values " + values + ": " + violations);
    }
  }

  @Test
  void theOperatorPodsOfTheKustomizeBaseAreRestricted() {
    List<String> violations = new ArrayList<>();
    for (ObjectNode o : Kustomize.build(Repo.kustomizeBase())) {
      JsonNode spec = podSpec(o);
      if (spec != null) {
        violations.addAll(PodSecurity.violations(Manifests.key(o), spec));
      }
    }
    assertTrue(violations.isEmpty(), violations.toString());
  }

  @Test
  void memberPodsOfEverySampleAreRestricted() throws IOException {
    List<Etcd> samples = sampleEtcds();
    assertTrue(samples.size() >= 4, "deploy/samples holds at least four Etcd samples");
    for (Etcd e : samples) {
      var sts = MemberStatefulSet.build(e, OperatorConfig.defaults(), e.getSpec().getReplicas(), null);
      JsonNode spec = Manifests.JSON.valueToTree(sts.getSpec().getTemplate().getSpec());
      List<String> violations = PodSecurity.violations("member pod of " + e.getMetadata().getName(), spec);
      assertTrue(violations.isEmpty(), violations.toString());
      assertEquals(2, spec.path("containers").size(), "etcd and agent containers");
      boolean localStore = e.getSpec().getBackup() != null
          && e.getSpec().getBackup().getStore().getProvider() == StoreProvider.LOCAL;
      boolean hostPath = Manifests.stream(spec.path("volumes")).anyMatch(v -> v.has("hostPath"));
      // A Local store is a directory on the node; restricted (and baseline) forbid hostPath volumes, so
      // only such an Etcd needs a namespace with a laxer level. Nothing else may mount the host.
      assertEquals(localStore, hostPath, e.getMetadata().getName() + ": hostPath volumes only for a Local store");
    }
  }

  @Test
  void aViolationIsReported() {
    ObjectNode spec = Manifests.JSON.createObjectNode();
    ObjectNode c = spec.putArray("containers").addObject().put("name", "bad");
    c.putObject("securityContext").put("privileged", true).put("allowPrivilegeEscalation", true);
    List<String> v = PodSecurity.violations("pod", spec);
    assertFalse(v.isEmpty());
    assertTrue(v.stream().anyMatch(s -> s.contains("runAsNonRoot")), v.toString());
    assertTrue(v.stream().anyMatch(s -> s.contains("readOnlyRootFilesystem")), v.toString());
    assertTrue(v.stream().anyMatch(s -> s.contains("allowPrivilegeEscalation")), v.toString());
    assertTrue(v.stream().anyMatch(s -> s.contains("capabilities.drop")), v.toString());
    assertTrue(v.stream().anyMatch(s -> s.contains("privileged")), v.toString());
  }

  static JsonNode podSpec(JsonNode o) {
    return switch (o.path("kind").asText()) {
      case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job" -> o.path("spec").path("template").path("spec");
      case "CronJob" -> o.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
      case "Pod" -> o.path("spec");
      default -> null;
    };
  }

  static List<Etcd> sampleEtcds() throws IOException {
    List<Etcd> out = new ArrayList<>();
    List<Path> files;
    try (var s = Files.list(Repo.samples())) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path f : files) {
      for (ObjectNode o : Manifests.parse(Files.readString(f))) {
        if ("Etcd".equals(o.path("kind").asText())) {
          out.add(Serialization.unmarshal(Manifests.JSON.writeValueAsString(o), Etcd.class));
        }
      }
    }
    return out;
  }
}
