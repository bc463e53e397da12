package dev.cairn.controller.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The resource-protection policies of {@code deploy/protection}, evaluated from their own CEL against
 * AdmissionReview documents ({@code src/test/resources/protection/reviews}) shaped like the API server's:
 * people, the operator, the member agents and Kubernetes' controllers updating and deleting every kind
 * the operator manages, with and without the break-glass label, and attempts to tamper with it. Each
 * denial is checked word for word as the API server returns it (kubectl prints it after
 * "Error from server (Forbidden): ").
 */
class ProtectionPolicyTest {

  private static final String MAIN = "cairn-resource-protection";
  private static final String SCALE = "cairn-member-scale-protection";
  private static final String JANE = "jane@example.com";
  private static final String AGENT = "system:serviceaccount:platform:orders";

  /** What a person sees when changing a protected object (one of the messages, in full). */
  private static final String CONFIGMAP_UPDATE_DENIED = "configmaps \"orders-config\" is forbidden:"
      + " ValidatingAdmissionPolicy 'cairn-resource-protection' with binding 'cairn-resource-protection' denied"
      + " request: ConfigMap platform/orders-config is managed by the cairn operator for Etcd platform/orders and"
      + " jane@example.com may not change it. Change the Etcd instead. In an emergency: kubectl annotate etcd -n"
      + " platform orders cairn.dev/disable-resource-protection=true, wait until the object carries that label,"
      + " and remove the annotation afterwards (the operator then reverts hand edits)";

  private static final String LABEL_ADDED_DENIED = "configmaps \"orders-config\" is forbidden:"
      + " ValidatingAdmissionPolicy 'cairn-resource-protection' with binding 'cairn-resource-protection' denied"
      + " request: only the cairn operator sets the label cairn.dev/disable-resource-protection, on the objects of"
      + " an Etcd annotated with it; jane@example.com may not add it to ConfigMap platform/orders-config. To lift"
      + " the protection of Etcd platform/orders in an emergency: kubectl annotate etcd -n platform orders"
      + " cairn.dev/disable-resource-protection=true";

  private static final String IDENTITY_DENIED = "configmaps \"orders-config\" is forbidden:"
      + " ValidatingAdmissionPolicy 'cairn-resource-protection' with binding 'cairn-resource-protection' denied"
      + " request: ConfigMap platform/orders-config belongs to Etcd platform/orders: even with resource protection"
      + " disabled its labels app.kubernetes.io/managed-by and app.kubernetes.io/instance stay as they are, and"
      + " the label cairn.dev/disable-resource-protection may only be removed; jane@example.com may change"
      + " anything else";

  private static final String AGENT_OTHER_LEASE_DENIED = "leases.coordination.k8s.io \"orders-0\" is forbidden:"
      + " ValidatingAdmissionPolicy 'cairn-resource-protection' with binding 'cairn-resource-protection' denied"
      + " request: system:serviceaccount:platform:orders (pod orders-1) may only renew its own member Lease and"
      + " the snapshot Leases of Etcd platform/orders, without changing their labels, annotations or owners;"
      + " this update of Lease orders-0 is refused";

  private static final String SCALE_DENIED = "statefulsets.apps \"orders\" is forbidden: ValidatingAdmissionPolicy"
      + " 'cairn-member-scale-protection' with binding 'cairn-member-scale-protection' denied request: StatefulSet"
      + " platform/orders runs the members of Etcd platform/orders and jane@example.com may not scale it: its pods"
      + " would go without their members being removed from etcd first. Scale the Etcd instead: kubectl scale"
      + " etcd -n platform orders --replicas=<n>";

  /** An expected outcome: allowed by every policy, or denied by one with exactly this message. */
  private record Expect(String policy, String message) {
    static Expect allowed() {
      return new Expect(null, null);
    }

    static Expect denied(String policy, String message) {
      return new Expect(policy, message);
    }
  }

  // The denial of a person or program changing a protected object, for the many kinds.
  private static Expect protectedObject(String resource, String name, String kind, String objectName, String user,
      String verb) {
    return Expect.denied(MAIN, resource + " \"" + name + "\" is forbidden: ValidatingAdmissionPolicy '" + MAIN
        + "' with binding '" + MAIN + "' denied request: " + kind + " platform/" + objectName + " is managed by"
        + " the cairn operator for Etcd platform/orders and " + user + " may not " + verb + " it. Change the Etcd"
        + " instead. In an emergency: kubectl annotate etcd -n platform orders"
        + " cairn.dev/disable-resource-protection=true, wait until the object carries that label, and remove the"
        + " annotation afterwards (the operator then reverts hand edits)");
  }

  private static Expect agentRefused(String pod, String lease, String what) {
    return Expect.denied(MAIN, "leases.coordination.k8s.io \"" + lease + "\" is forbidden: ValidatingAdmissionPolicy '"
        + MAIN + "' with binding '" + MAIN + "' denied request: " + AGENT + (pod == null ? "" : " (pod " + pod + ")")
        + " may only renew its own member Lease and the snapshot Leases of Etcd platform/orders, without changing"
        + " their labels, annotations or owners; " + what + " Lease " + lease + " is refused");
  }

  /** Every review document and what must come of it. */
  private static Map<String, Expect> cases() {
    Map<String, Expect> c = new LinkedHashMap<>();
    record Kind(String file, String resource, String name, String kind) {}
    List<Kind> kinds = List.of(
        new Kind("statefulset", "statefulsets.apps", "orders", "StatefulSet"),
        new Kind("configmap", "configmaps", "orders-config", "ConfigMap"),
        new Kind("service", "services", "orders-client", "Service"),
        new Kind("poddisruptionbudget", "poddisruptionbudgets.policy", "orders", "PodDisruptionBudget"),
        new Kind("serviceaccount", "serviceaccounts", "orders", "ServiceAccount"),
        new Kind("role", "roles.rbac.authorization.k8s.io", "orders", "Role"),
        new Kind("rolebinding", "rolebindings.rbac.authorization.k8s.io", "orders", "RoleBinding"),
        new Kind("lease", "leases.coordination.k8s.io", "orders-1", "Lease"),
        new Kind("persistentvolumeclaim", "persistentvolumeclaims", "data-orders-0", "PersistentVolumeClaim"));
    for (Kind k : kinds) {
      // A person: refused while protected, free once the operator has put the break-glass label on.
      c.put("person-update-" + k.file, protectedObject(k.resource, k.name, k.kind, k.name, JANE, "change"));
      c.put("person-delete-" + k.file, protectedObject(k.resource, k.name, k.kind, k.name, JANE, "delete"));
      c.put("person-update-" + k.file + "-unprotected", Expect.allowed());
      c.put("person-delete-" + k.file + "-unprotected", Expect.allowed());
    }
    c.put("admin-delete-persistentvolumeclaim", protectedObject("persistentvolumeclaims", "data-orders-0",
        "PersistentVolumeClaim", "data-orders-0", "kubernetes-admin", "delete"));
    c.put("person-removes-all-labels-configmap",
        protectedObject("configmaps", "orders-config", "ConfigMap", "orders-config", JANE, "change"));

    // The break-glass label: only the operator puts it on; under it, the ties to the Etcd stay.
    c.put("person-adds-label-configmap", Expect.denied(MAIN, LABEL_ADDED_DENIED));
    c.put("person-adds-label-persistentvolumeclaim", Expect.denied(MAIN, LABEL_ADDED_DENIED
        .replace("configmaps \"orders-config\"", "persistentvolumeclaims \"data-orders-0\"")
        .replace("ConfigMap platform/orders-config", "PersistentVolumeClaim platform/data-orders-0")));
    c.put("person-adds-label-and-edits-statefulset", Expect.denied(MAIN, LABEL_ADDED_DENIED
        .replace("configmaps \"orders-config\"", "statefulsets.apps \"orders\"")
        .replace("ConfigMap platform/orders-config", "StatefulSet platform/orders")));
    c.put("person-removes-label-configmap", Expect.allowed());
    c.put("person-changes-managed-by-unprotected-configmap", Expect.denied(MAIN, IDENTITY_DENIED));
    c.put("person-sets-label-false-unprotected-configmap", Expect.denied(MAIN, IDENTITY_DENIED));
    c.put("person-changes-instance-unprotected-persistentvolumeclaim", Expect.denied(MAIN, IDENTITY_DENIED
        .replace("configmaps \"orders-config\"", "persistentvolumeclaims \"data-orders-0\"")
        .replace("ConfigMap platform/orders-config", "PersistentVolumeClaim platform/data-orders-0")));

    // The operator does everything, the label included.
    for (String name : List.of("operator-update-statefulset", "operator-delete-configmap", "operator-adds-label-configmap",
        "operator-removes-label-persistentvolumeclaim", "operator-delete-lease", "operator-scale-statefulset")) {
      c.put(name, Expect.allowed());
    }

    // A member's agent renews its own member Lease and the snapshot Leases, nothing else.
    c.put("agent-renews-own-lease", Expect.allowed());
    c.put("agent-renews-full-snapshot-lease", Expect.allowed());
    c.put("agent-renews-own-lease-unprotected", Expect.allowed());
    c.put("agent-renews-other-member-lease", Expect.denied(MAIN, AGENT_OTHER_LEASE_DENIED));
    c.put("agent-relabels-own-lease", agentRefused("orders-1", "orders-1", "this update of"));
    c.put("agent-drops-owner-of-own-lease", agentRefused("orders-1", "orders-1", "this update of"));
    c.put("agent-deletes-own-lease", agentRefused("orders-1", "orders-1", "deleting"));
    c.put("agent-without-pod-renews-member-lease", agentRefused(null, "orders-1", "this update of"));
    c.put("agent-updates-configmap", protectedObject("configmaps", "orders-config", "ConfigMap", "orders-config",
        AGENT, "change"));
    c.put("other-agent-renews-full-snapshot-lease", protectedObject("leases.coordination.k8s.io",
        "orders-full-snapshot", "Lease", "orders-full-snapshot", "system:serviceaccount:platform:billing", "change"));

    // Kubernetes' controllers at their work: deletion cascades, namespace deletion, volumes, scheduling.
    for (String name : List.of("gc-delete-statefulset", "gc-delete-lease", "namespace-controller-delete-service",
        "pvc-protection-removes-finalizer", "statefulset-controller-owns-persistentvolumeclaim",
        "scheduler-selects-node-persistentvolumeclaim")) {
      c.put(name, Expect.allowed());
    }

    // Not cairn's to protect: other objects, status, pods (rolling by hand), the Etcd itself.
    for (String name : List.of("person-update-unmanaged-configmap", "person-labels-own-configmap-as-cairn",
        "person-update-statefulset-status", "person-delete-member-pod", "person-delete-etcd",
        "person-scale-other-statefulset")) {
      c.put(name, Expect.allowed());
    }
    // kubectl scale statefulset: refused by the second policy (the Scale object has no labels).
    c.put("person-scale-statefulset", Expect.denied(SCALE, SCALE_DENIED));
    return c;
  }

  static Stream<Arguments> reviews() {
    return cases().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("reviews")
  void decides(String review, Expect expect) {
    JsonNode doc = ProtectionPolicy.review(review);
    List<String> denials = new ArrayList<>();
    for (String policy : ProtectionPolicy.policyNames()) {
      ProtectionPolicy.Decision d = ProtectionPolicy.load(policy).decide(doc);
      if (!d.allowed()) {
        assertEquals(403, d.code(), "denials are Forbidden");
        denials.add(policy + ": " + d.message());
      }
    }
    List<String> expected = expect.policy() == null ? List.of() : List.of(expect.policy() + ": " + expect.message());
    assertEquals(expected, denials, review);
  }

  @Test
  void everyReviewDocumentHasAnExpectationAndTheOtherWayRound() throws IOException, URISyntaxException {
    Path dir = Path.of(ProtectionPolicyTest.class.getResource("/protection/reviews").toURI());
    TreeSet<String> files = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> files.add(p.getFileName().toString().replaceFirst("\\.json$", "")));
    }
    assertEquals(new TreeSet<>(cases().keySet()), files);
  }

  @Test
  void theMainPolicyMatchesEveryKindTheOperatorManagesAndNothingElse() {
    assertTrue(ProtectionPolicy.load(MAIN).decide(ProtectionPolicy.review("person-delete-lease")).matched());
    assertFalse(ProtectionPolicy.load(MAIN).decide(ProtectionPolicy.review("person-delete-member-pod")).matched(),
        "pods stay deletable: with updateStrategy OnDelete a person rolls members by deleting pods");
    assertFalse(ProtectionPolicy.load(MAIN).decide(ProtectionPolicy.review("person-delete-etcd")).matched(),
        "deleting the Etcd is how a person removes a cluster");
    assertFalse(ProtectionPolicy.load(MAIN).decide(ProtectionPolicy.review("person-labels-own-configmap-as-cairn"))
        .matched(), "cairn's labels on someone's own object do not make it protected");
  }

  @Test
  void theOperatorIsWhoeverTheParametersName() {
    ObjectNode params = ProtectionPolicy.documents("params.yaml").get(0).deepCopy();
    ((ObjectNode) params.path("data")).put("operatorUsername", "system:serviceaccount:etcd-ops:cairn");
    ProtectionPolicy moved = ProtectionPolicy.load(MAIN).withParams(params);
    ProtectionPolicy.Decision d = moved.decide(ProtectionPolicy.review("operator-delete-configmap"));
    assertFalse(d.allowed(), "the default operator identity is no longer trusted once the parameters name another");
    assertTrue(d.message().contains("system:serviceaccount:cairn-system:cairn-operator may not delete it"), d.message());

    JsonNode asOther = ProtectionPolicy.review("operator-delete-configmap").deepCopy();
    ((ObjectNode) asOther.path("request").path("userInfo")).put("username", "system:serviceaccount:etcd-ops:cairn");
    assertTrue(moved.decide(asOther).allowed());
  }

  @Test
  void aControllerAddedToTheParametersIsTrusted() {
    ObjectNode params = ProtectionPolicy.documents("params.yaml").get(0).deepCopy();
    ObjectNode data = (ObjectNode) params.path("data");
    data.put("kubernetesControllers", data.path("kubernetesControllers").asText()
        + ",\n system:serviceaccount:csi:ebs-csi-controller-sa");
    JsonNode review = ProtectionPolicy.review("scheduler-selects-node-persistentvolumeclaim").deepCopy();
    ((ObjectNode) review.path("request").path("userInfo")).put("username", "system:serviceaccount:csi:ebs-csi-controller-sa");
    assertFalse(ProtectionPolicy.load(MAIN).decide(review).allowed());
    assertTrue(ProtectionPolicy.load(MAIN).withParams(params).decide(review).allowed());
  }

  @Test
  void parametersWithoutTheOperatorFailClosed() {
    ObjectNode params = ProtectionPolicy.documents("params.yaml").get(0).deepCopy();
    ((ObjectNode) params.path("data")).remove("operatorUsername");
    // The API server turns the evaluation error into a denial (failurePolicy: Fail), for the operator too.
    AssertionError e = assertThrows(AssertionError.class, () -> ProtectionPolicy.load(MAIN).withParams(params)
        .decide(ProtectionPolicy.review("operator-update-statefulset")));
    assertTrue(e.getMessage().contains("operatorUsername"), e.getMessage());
  }

  @Test
  void thePoliciesFailClosedAndAreBoundToTheirParameters() {
    for (String name : ProtectionPolicy.policyNames()) {
      ProtectionPolicy p = ProtectionPolicy.load(name);
      assertEquals("Fail", p.policy.path("spec").path("failurePolicy").asText(), name);
      assertEquals("[\"Deny\"]", p.binding.path("spec").path("validationActions").toString(), name);
      JsonNode ref = p.binding.path("spec").path("paramRef");
      // The main policy fails closed without its parameters: its object selector keeps that to cairn's
      // objects. The scale policy matches every StatefulSet's scale, and parameters are resolved before
      // match conditions: failing closed there would block scaling cluster-wide.
      assertEquals(name.equals(MAIN) ? "Deny" : "Allow", ref.path("parameterNotFoundAction").asText(), name);
      if (name.equals(MAIN)) {
        JsonNode selector = p.policy.path("spec").path("matchConstraints").path("objectSelector");
        assertEquals("cairn", selector.path("matchLabels").path("app.kubernetes.io/managed-by").asText(),
            "the policy that fails closed must select only cairn's objects: " + selector);
      }
      assertEquals(p.params.path("metadata").path("name").asText(), ref.path("name").asText(), name);
      assertEquals(p.params.path("metadata").path("namespace").asText(), ref.path("namespace").asText(), name);
      assertEquals("ConfigMap", p.policy.path("spec").path("paramKind").path("kind").asText(), name);
      for (JsonNode v : p.policy.path("spec").path("validations")) {
        assertEquals("Forbidden", v.path("reason").asText(), name + ": " + v);
        assertTrue(v.has("message"), name + ": a validation needs a static message for when its"
            + " messageExpression fails: " + v);
      }
    }
  }
}
