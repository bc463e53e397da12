package dev.cairn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Request attributes as the API server derives them, and RBAC decisions over a role's rules. */
class RbacTest {

  @Test
  void pathsBecomeVerbsAndResources() {
    var a = RequestAttributes.of("GET", "/apis/apps/v1/namespaces/db/statefulsets?labelSelector=x");
    assertEquals("list", a.verb());
    assertEquals("apps", a.group());
    assertEquals("statefulsets", a.resource());
    assertEquals("db", a.namespace());
    assertEquals("watch", RequestAttributes.of("GET", "/api/v1/pods?watch=true&resourceVersion=5").verb());
    var get = RequestAttributes.of("GET", "/api/v1/namespaces/db/secrets/tls");
    assertEquals("get", get.verb());
    assertEquals("", get.group());
    assertEquals("tls", get.name());
    var status = RequestAttributes.of("PATCH", "/apis/cairn.dev/v1alpha1/namespaces/db/etcds/main/status");
    assertEquals("patch", status.verb());
    assertEquals("etcds/status", status.resourceWithSub());
    assertEquals("create", RequestAttributes.of("POST", "/api/v1/namespaces/db/events").verb());
    assertEquals("update", RequestAttributes.of("PUT", "/apis/coordination.k8s.io/v1/namespaces/x/leases/l").verb());
    assertEquals("delete", RequestAttributes.of("DELETE", "/api/v1/namespaces/x/pods/p").verb());
    assertEquals("deletecollection", RequestAttributes.of("DELETE", "/api/v1/namespaces/x/pods").verb());
    var cluster = RequestAttributes.of("GET", "/apis/cairn.dev/v1alpha1/etcdsnapshots/s1");
    assertNull(cluster.namespace());
    assertEquals("get", cluster.verb());
    var ns = RequestAttributes.of("GET", "/api/v1/namespaces/db");
    assertEquals("namespaces", ns.resource());
    assertFalse(RequestAttributes.of("GET", "/version").isResourceRequest());
  }

  @Test
  void rulesAllowOnlyWhatTheyName() throws Exception {
    JsonNode role = Manifests.YAML.readTree("""
        rules:
          - apiGroups: [""]
            resources: ["secrets"]
            verbs: ["get"]
          - apiGroups: ["coordination.k8s.io"]
            resources: ["leases"]
            resourceNames: ["m-0"]
            verbs: ["get", "update"]
          - apiGroups: ["cairn.dev"]
            resources: ["etcds/status"]
            verbs: ["patch"]
        """);
    Rbac r = Rbac.of(role);
    assertTrue(r.allows(RequestAttributes.of("GET", "/api/v1/namespaces/a/secrets/s")));
    assertFalse(r.allows(RequestAttributes.of("GET", "/api/v1/namespaces/a/secrets")), "list is not get");
    assertFalse(r.allows(RequestAttributes.of("GET", "/apis/apps/v1/namespaces/a/secrets/s")), "another group");
    assertTrue(r.allows(RequestAttributes.of("PUT", "/apis/coordination.k8s.io/v1/namespaces/a/leases/m-0")));
    assertFalse(r.allows(RequestAttributes.of("PUT", "/apis/coordination.k8s.io/v1/namespaces/a/leases/m-1")), "other name");
    assertTrue(r.allows(RequestAttributes.of("PATCH", "/apis/cairn.dev/v1alpha1/namespaces/a/etcds/e/status")));
    assertFalse(r.allows(RequestAttributes.of("PATCH", "/apis/cairn.dev/v1alpha1/namespaces/a/etcds/e")),
        "the status subresource does not grant the object");
    assertTrue(r.grants().contains("get core secrets"));
    assertTrue(r.grants().contains("patch cairn.dev etcds/status"));
  }
}
