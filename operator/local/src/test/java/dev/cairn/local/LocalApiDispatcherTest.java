package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalApiDispatcherTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aStrategicPatchWithoutListsOrDirectivesIsAMergePatch() throws Exception {
    assertEquals(Optional.empty(), LocalApiDispatcher.listOrDirective(
        JSON.readTree("{\"data\":{\"a\":\"1\",\"b\":null},\"metadata\":{\"labels\":{\"x\":\"y\"}}}"), ""));
    assertEquals(Optional.of("the list .spec.ports"), LocalApiDispatcher.listOrDirective(
        JSON.readTree("{\"spec\":{\"ports\":[{\"port\":1}]}}"), ""));
    assertEquals(Optional.of("the directive .spec.$setElementOrder/ports"), LocalApiDispatcher.listOrDirective(
        JSON.readTree("{\"spec\":{\"$setElementOrder/ports\":{}}}"), ""));
  }

  @Test
  void findsTheKindOfObjectPathsOnly() {
    List<ApiResource> all = ApiResource.builtIns();
    assertEquals("Pod", ApiResource.forObjectPath(all, "/api/v1/namespaces/x/pods?limit=500").orElseThrow().kind());
    assertEquals("Pod", ApiResource.forObjectPath(all, "/api/v1/pods").orElseThrow().kind());
    assertEquals("Pod", ApiResource.forObjectPath(all, "/api/v1/namespaces/x/pods/p").orElseThrow().kind());
    assertEquals("Namespace", ApiResource.forObjectPath(all, "/api/v1/namespaces/x").orElseThrow().kind());
    assertEquals("StatefulSet", ApiResource.forObjectPath(all, "/apis/apps/v1/namespaces/x/statefulsets").orElseThrow().kind());
    assertEquals(Optional.empty(), ApiResource.forObjectPath(all, "/api/v1/namespaces/x/pods/p/status"));
    assertEquals(Optional.empty(), ApiResource.forObjectPath(all, "/api/v1/namespaces/x/pods/p/log"));
  }
}
