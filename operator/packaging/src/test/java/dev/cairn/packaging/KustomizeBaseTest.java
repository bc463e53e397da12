package dev.cairn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The kustomize base and the chart (release "cairn" in "cairn-system", default values) make the same
 * objects with the same content, apart from the labels only Helm sets and the Namespace, which Helm
 * creates with --create-namespace and the base carries as an object.
 */
class KustomizeBaseTest {

  private static final String NAMESPACE_KEY = "Namespace//" + Chart.NAMESPACE;

  @Test
  void theBaseAndTheChartMakeTheSameObjects() {
    Map<String, ObjectNode> base = Manifests.byKey(Kustomize.build(Repo.kustomizeBase()));
    Map<String, ObjectNode> chart = Manifests.byKey(Chart.render());
    TreeSet<String> baseKeys = new TreeSet<>(base.keySet());
    assertTrue(baseKeys.remove(NAMESPACE_KEY), "the base creates the namespace " + Chart.NAMESPACE);
    assertEquals(new TreeSet<>(chart.keySet()), baseKeys, "objects of the chart (left) and the kustomize base (right)");
    for (String key : chart.keySet()) {
      assertTrue(Manifests.sameContent(Manifests.withoutHelmLabels(chart.get(key)), Manifests.withoutHelmLabels(base.get(key))),
          key + " differs between the chart and the kustomize base: run hack/sync-deploy.sh\nchart: "
              + chart.get(key) + "\nbase:  " + base.get(key));
    }
  }

  @Test
  void theBaseHasTheCrdsTheOperatorAndItsRbac() {
    List<ObjectNode> base = Kustomize.build(Repo.kustomizeBase());
    assertEquals(3, Manifests.ofKind(base, "CustomResourceDefinition").size(), "Etcd, EtcdSnapshot and EtcdOpsTask CRDs");
    for (String kind : List.of("Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service")) {
      assertEquals(1, Manifests.ofKind(base, kind).size(), kind);
    }
  }

  @Test
  void theNamespaceEnforcesTheRestrictedPodSecurityStandard() {
    ObjectNode ns = Manifests.byKey(Kustomize.build(Repo.kustomizeBase())).get(NAMESPACE_KEY);
    assertEquals("restricted", ns.path("metadata").path("labels").path("pod-security.kubernetes.io/enforce").asText());
  }
}
