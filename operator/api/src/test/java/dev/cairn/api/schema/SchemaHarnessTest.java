package dev.cairn.api.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness itself: it accepts what is valid, and it can fail in each of its three stages. */
class SchemaHarnessTest {

  private static final CrdValidator ETCD = CrdValidator.forKind("Etcd");

  private static final String MINIMAL =
      """
      apiVersion: cairn.dev/v1alpha1
      kind: Etcd
      metadata:
        name: demo
        namespace: default
      spec: {}
      """;

  @Test
  void minimalEtcdIsValidAndGetsEveryDefault() {
    CrdValidator.Result result = ETCD.validate(MINIMAL);
    assertTrue(result.valid(), result::toString);
    JsonNode spec = result.defaulted().path("spec");
    assertEquals(3, spec.path("replicas").asInt());
    assertEquals("8Gi", spec.path("etcd").path("quotaBackendBytes").asText());
    assertEquals(1000, spec.path("etcd").path("electionTimeoutMillis").asInt());
    assertEquals("10Gi", spec.path("storage").path("capacity").asText());
    assertEquals("5m", spec.path("recovery").path("quorumLossGracePeriod").asText());
    assertEquals("QuorumAware", spec.path("updateStrategy").path("type").asText());
    assertEquals("Retain", spec.path("deletionPolicy").path("volumes").asText());
    assertFalse(spec.has("backup"), "backup is optional and has no default");
  }

  @Test
  void nestedDefaultsApplyInsideAnOptionalObjectOnceItIsGiven() {
    CrdValidator.Result result =
        ETCD.validate(MINIMAL.replace("spec: {}", "spec:\n  backup:\n    store: {provider: S3, bucket: b1b}"));
    assertTrue(result.valid(), result::toString);
    JsonNode backup = result.defaulted().path("spec").path("backup");
    assertEquals("20s", backup.path("deltaSnapshotPeriod").asText());
    assertEquals("Exponential", backup.path("garbageCollection").path("policy").asText());
    assertEquals("1m", backup.path("garbageCollection").path("period").asText());
  }

  @Test
  void schemaStageFailsOnAnUnknownField() {
    List<Violation> violations = ETCD.validate(MINIMAL.replace("spec: {}", "spec: {replica: 3}")).violations();
    assertEquals(List.of("spec.replica"), violations.stream().map(Violation::path).toList(), violations::toString);
    assertEquals("additionalProperties", violations.get(0).rule());
  }

  @Test
  void schemaStageFailsOnAWrongType() {
    List<Violation> violations = ETCD.validate(MINIMAL.replace("spec: {}", "spec: {replicas: three}")).violations();
    assertEquals(1, violations.size(), violations::toString);
    assertEquals("spec.replicas", violations.get(0).path());
    assertEquals("type", violations.get(0).rule());
  }

  @Test
  void celStageFails() {
    List<Violation> violations =
        ETCD.validate(MINIMAL.replace("spec: {}", "spec: {etcd: {clientPort: 2380}}")).violations();
    assertEquals(List.of(new Violation("spec.etcd.peerPort", "cel", "etcd.clientPort and etcd.peerPort must differ")),
        violations);
  }

  @Test
  void celRuleAtTheRootSeesMetadata() {
    List<Violation> violations = ETCD.validate(MINIMAL.replace("name: demo", "name: 1demo")).violations();
    assertEquals(1, violations.size(), violations::toString);
    assertEquals("", violations.get(0).path());
  }

  @Test
  void transitionRulesRunOnlyOnUpdates() {
    String withClass = MINIMAL.replace("spec: {}", "spec: {storage: {storageClassName: fast}}");
    String otherClass = MINIMAL.replace("spec: {}", "spec: {storage: {storageClassName: slow}}");
    assertTrue(ETCD.validate(otherClass).valid(), "a create has no old object");
    assertTrue(ETCD.validateUpdate(withClass, withClass).valid(), "unchanged");
    List<Violation> violations = ETCD.validateUpdate(withClass, otherClass).violations();
    assertEquals(1, violations.size(), violations::toString);
    assertEquals("spec.storage.storageClassName", violations.get(0).path());
    assertEquals("cel", violations.get(0).rule());
  }

  @Test
  void celIsSkippedWhenTheSchemaAlreadyFailed() {
    // clientPort == peerPort would also break a CEL rule; only the schema error is reported
    List<Violation> violations =
        ETCD.validate(MINIMAL.replace("spec: {}", "spec: {replicas: 10, etcd: {clientPort: 2380}}")).violations();
    assertEquals(1, violations.size(), violations::toString);
    assertEquals("maximum", violations.get(0).rule());
  }
}
