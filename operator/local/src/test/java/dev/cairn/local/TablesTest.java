package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void agesReadLikeKubectls() {
    Instant now = Instant.parse("2024-05-01T12:00:00Z");
    assertEquals("45s", Tables.age(now.minusSeconds(45), now));
    assertEquals("3m20s", Tables.age(now.minusSeconds(200), now));
    assertEquals("25m", Tables.age(now.minusSeconds(25 * 60), now));
    assertEquals("5h10m", Tables.age(now.minusSeconds(5 * 3600 + 600), now));
    assertEquals("30h", Tables.age(now.minusSeconds(30 * 3600), now));
    assertEquals("3d4h", Tables.age(now.minusSeconds(76 * 3600), now));
    assertEquals("0s", Tables.age(now.plusMillis(500), now));
  }

  @Test
  void podStatusPrefersContainerReasons() throws Exception {
    assertEquals("CrashLoopBackOff", Tables.podStatus(JSON.readTree("""
        {"status":{"phase":"Running","containerStatuses":[
          {"ready":true,"state":{"running":{}}},{"ready":false,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}""")));
    assertEquals("Init:0/1", Tables.podStatus(JSON.readTree("""
        {"spec":{"initContainers":[{}]},"status":{"phase":"Pending",
          "initContainerStatuses":[{"state":{"running":{}}}]}}""")));
    assertEquals("Terminating", Tables.podStatus(JSON.readTree("{\"metadata\":{\"deletionTimestamp\":\"x\"}}")));
    assertEquals("Running", Tables.podStatus(JSON.readTree("""
        {"status":{"phase":"Running","containerStatuses":[{"ready":true,"state":{"running":{}}}]}}""")));
  }

  @Test
  void printerColumnPathsWithFilters() throws Exception {
    JsonNode etcd = JSON.readTree("""
        {"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"BackupReady","status":"False"}],
          "members":[{"name":"a","role":"Member"},{"name":"b","role":"Leader"}]}}""");
    assertEquals("False", Tables.JsonPaths.values(etcd, ".status.conditions[?(@.type==\"BackupReady\")].status").get(0).asText());
    assertEquals("b", Tables.JsonPaths.values(etcd, ".status.members[?(@.role==\"Leader\")].name").get(0).asText());
    assertEquals(2, Tables.JsonPaths.values(etcd, ".status.members[*].name").size());
    assertEquals(List.of(), Tables.JsonPaths.values(etcd, ".spec.replicas"));
  }
}
