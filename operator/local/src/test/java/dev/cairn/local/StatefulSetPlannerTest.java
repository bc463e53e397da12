package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatefulSetPlannerTest {

  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  private final StatefulSetPlanner planner = new StatefulSetPlanner("node-a");

  @Test
  void orderedReadyCreatesClaimsThenOnePodAtATime() {
    StatefulSet sts = sts(3, "OrderedReady", "RollingUpdate");
    var plan = planner.plan(sts, Map.of(), Set.of(), Set.of(), NOW);
    assertEquals(List.of("data-etcd-0", "data-etcd-1", "data-etcd-2"), names(plan.createClaims()));
    assertEquals(List.of("etcd-0"), podNames(plan.createPods()));
    Pod first = plan.createPods().get(0);
    assertEquals("etcd-0", first.getSpec().getHostname());
    assertEquals("etcd", first.getSpec().getSubdomain());
    assertEquals("node-a", first.getSpec().getNodeName());
    assertEquals("data-etcd-0", first.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
    assertEquals("uid-sts", first.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals(TemplateHash.revision("etcd", sts.getSpec().getTemplate()), Pods.revision(first));

    Map<String, Pod> pods = pods(sts, pod(sts, 0, false));
    assertTrue(planner.plan(sts, pods, Set.of(), claims(3), NOW).createPods().isEmpty(), "waits for etcd-0 to be Ready");
    pods = pods(sts, pod(sts, 0, true));
    assertEquals(List.of("etcd-1"), podNames(planner.plan(sts, pods, Set.of(), claims(3), NOW).createPods()));
  }

  @Test
  void parallelCreatesEveryPodAtOnce() {
    StatefulSet sts = sts(3, "Parallel", "RollingUpdate");
    assertEquals(List.of("etcd-0", "etcd-1", "etcd-2"),
        podNames(planner.plan(sts, Map.of(), Set.of(), claims(3), NOW).createPods()));
  }

  @Test
  void aNameIsNotReusedWhileItsOldProcessesStop() {
    StatefulSet sts = sts(1, "Parallel", "RollingUpdate");
    assertTrue(planner.plan(sts, Map.of(), Set.of("etcd-0"), claims(1), NOW).createPods().isEmpty());
  }

  @Test
  void scaleDownRemovesTheHighestOrdinalFirstAndKeepsClaims() {
    StatefulSet sts = sts(1, "OrderedReady", "RollingUpdate");
    Map<String, Pod> pods = pods(sts, pod(sts, 0, true), pod(sts, 1, true), pod(sts, 2, true));
    var plan = planner.plan(sts, pods, Set.of(), claims(3), NOW);
    assertEquals(List.of("etcd-2"), plan.deletePods());
    assertTrue(plan.deleteClaims().isEmpty());
    assertTrue(planner.plan(sts, pods(sts, pod(sts, 0, true), pod(sts, 1, true)), Set.of("etcd-2"), claims(3), NOW)
        .deletePods().isEmpty(), "the next one waits until etcd-2 has stopped");

    StatefulSet parallel = sts(1, "Parallel", "RollingUpdate");
    assertEquals(List.of("etcd-2", "etcd-1"), planner.plan(parallel, pods, Set.of(), claims(3), NOW).deletePods());
  }

  @Test
  void scaledAwayClaimsGoWhenTheRetentionPolicySaysSo() {
    StatefulSet sts = new StatefulSetBuilder(sts(1, "OrderedReady", "RollingUpdate")).editSpec()
        .withNewPersistentVolumeClaimRetentionPolicy().withWhenScaled("Delete").withWhenDeleted("Retain")
        .endPersistentVolumeClaimRetentionPolicy().endSpec().build();
    var plan = planner.plan(sts, pods(sts, pod(sts, 0, true)), Set.of("etcd-2"), claims(3), NOW);
    assertEquals(List.of("data-etcd-1"), plan.deleteClaims(), "data-etcd-2 waits until its pod has stopped");
  }

  @Test
  void rollingUpdateReplacesTheHighestOutOfDatePodWhenAllAreReady() {
    StatefulSet old = sts(3, "OrderedReady", "RollingUpdate");
    Map<String, Pod> pods = pods(old, pod(old, 0, true), pod(old, 1, true), pod(old, 2, true));
    StatefulSet changed = changed(old, "RollingUpdate");
    assertEquals(List.of("etcd-2"), planner.plan(changed, pods, Set.of(), claims(3), NOW).deletePods());

    Map<String, Pod> oneUpdatedNotReady = pods(old, pod(old, 0, true), pod(old, 1, true), pod(changed, 2, false));
    assertTrue(planner.plan(changed, oneUpdatedNotReady, Set.of(), claims(3), NOW).deletePods().isEmpty(),
        "waits for the updated pod to be Ready");
    Map<String, Pod> oneUpdated = pods(old, pod(old, 0, true), pod(old, 1, true), pod(changed, 2, true));
    var plan = planner.plan(changed, oneUpdated, Set.of(), claims(3), NOW);
    assertEquals(List.of("etcd-1"), plan.deletePods());
    assertEquals(1, plan.status().getUpdatedReplicas());
    assertEquals(2, plan.status().getCurrentReplicas());
    assertEquals(TemplateHash.revision("etcd", old.getSpec().getTemplate()), plan.status().getCurrentRevision());
  }

  @Test
  void onDeleteNeverDeletesForAnUpdate() {
    StatefulSet old = sts(2, "OrderedReady", "OnDelete");
    Map<String, Pod> pods = pods(old, pod(old, 0, true), pod(old, 1, true));
    assertTrue(planner.plan(changed(old, "OnDelete"), pods, Set.of(), claims(2), NOW).deletePods().isEmpty());
    var recreate = planner.plan(changed(old, "OnDelete"), pods(old, pod(old, 0, true)), Set.of(), claims(2), NOW);
    assertEquals(TemplateHash.revision("etcd", changed(old, "OnDelete").getSpec().getTemplate()),
        Pods.revision(recreate.createPods().get(0)), "a deleted pod comes back with the current template");
  }

  @Test
  void statusCountsPodsAndCompletesTheRevision() {
    StatefulSet sts = sts(2, "OrderedReady", "RollingUpdate");
    var st = planner.plan(sts, pods(sts, pod(sts, 0, true), pod(sts, 1, false)), Set.of(), claims(2), NOW).status();
    assertEquals(2, st.getReplicas());
    assertEquals(1, st.getReadyReplicas());
    assertEquals(1, st.getAvailableReplicas());
    assertEquals(2, st.getUpdatedReplicas());
    assertEquals(7L, st.getObservedGeneration());
    assertEquals(st.getUpdateRevision(), st.getCurrentRevision());
  }

  // ---- fixtures

  private static StatefulSet sts(int replicas, String policy, String strategy) {
    StatefulSet s = EtcdStatefulSets.of("ns", "etcd", replicas, policy);
    s.getMetadata().setUid("uid-sts");
    s.getMetadata().setGeneration(7L);
    s.getSpec().setUpdateStrategy(new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder()
        .withType(strategy).build());
    return s;
  }

  private static StatefulSet changed(StatefulSet s, String strategy) {
    StatefulSet c = new StatefulSetBuilder(s).editSpec().editTemplate().editMetadata()
        .addToAnnotations("changed", "yes").endMetadata().endTemplate().endSpec().build();
    c.getSpec().setUpdateStrategy(new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder()
        .withType(strategy).build());
    // Pods of the old template keep the old currentRevision in status, as the controller wrote it.
    c.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder()
        .withCurrentRevision(TemplateHash.revision("etcd", s.getSpec().getTemplate())).build());
    return c;
  }

  private Pod pod(StatefulSet sts, int ordinal, boolean ready) {
    Pod p = planner.newPod(sts, ordinal, TemplateHash.revision("etcd", sts.getSpec().getTemplate()));
    return new PodBuilder(p).withNewStatus().withPhase("Running")
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
        .withLastTransitionTime("2024-05-01T11:00:00Z").endCondition().endStatus().build();
  }

  private static Map<String, Pod> pods(StatefulSet sts, Pod... pods) {
    Map<String, Pod> m = new LinkedHashMap<>();
    for (Pod p : pods) {
      m.put(p.getMetadata().getName(), p);
    }
    return m;
  }

  private static Set<String> claims(int n) {
    Set<String> s = new java.util.TreeSet<>();
    for (int i = 0; i < n; i++) {
      s.add("data-etcd-" + i);
    }
    return s;
  }

  private static List<String> names(List<io.fabric8.kubernetes.api.model.PersistentVolumeClaim> claims) {
    return claims.stream().map(c -> c.getMetadata().getName()).toList();
  }

  private static List<String> podNames(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }
}
