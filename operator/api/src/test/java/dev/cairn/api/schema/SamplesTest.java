package dev.cairn.api.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.api.RepoPaths;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every sample in deploy/samples is accepted, and survives a trip through the Java classes. */
class SamplesTest {

  private static final Map<String, Class<? extends HasMetadata>> CLASSES =
      Map.of("Etcd", Etcd.class, "EtcdOpsTask", EtcdOpsTask.class, "EtcdSnapshot", EtcdSnapshot.class);
  /** Non-cairn kinds a sample may carry alongside, such as the Secret it refers to. */
  private static final Set<String> OTHER_KINDS = Set.of("v1/Secret");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Path samplesDir() {
    return RepoPaths.root().resolve("deploy/samples");
  }

  static Stream<Path> samples() throws IOException {
    try (Stream<Path> files = Files.list(samplesDir())) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList().stream();
    }
  }

  @Test
  void theDocumentedSamplesExist() throws IOException {
    Set<String> names = new TreeSet<>(samples().map(p -> p.getFileName().toString()).toList());
    assertTrue(names.containsAll(List.of("etcd-single.yaml", "etcd-three-s3-tls.yaml", "etcd-local.yaml",
        "etcd-auto-recovery.yaml", "etcdopstask-recover-quorum.yaml", "etcdopstask-snapshot.yaml",
        "etcdopstask-restore.yaml")), names::toString);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void isAccepted(Path sample) throws IOException {
    List<JsonNode> docs = CrdValidator.readYamlStream(Files.readString(sample));
    assertFalse(docs.isEmpty(), sample + " has no documents");
    int cairnDocs = 0;
    for (JsonNode doc : docs) {
      String apiVersion = doc.path("apiVersion").asText();
      String kind = doc.path("kind").asText();
      if (!apiVersion.equals(Etcd.API_VERSION)) {
        assertTrue(OTHER_KINDS.contains(apiVersion + "/" + kind), sample + ": unexpected " + apiVersion + "/" + kind);
        continue;
      }
      cairnDocs++;
      CrdValidator validator = CrdValidator.forKind(kind);
      CrdValidator.Result result = validator.validate(doc);
      assertTrue(result.valid(), () -> sample.getFileName() + ": " + result);

      // Through the Java class and back: nothing lost, still valid, same after defaulting.
      HasMetadata typed = SERIALIZATION.unmarshal(CrdValidator.json(doc), CLASSES.get(kind));
      JsonNode back = CrdValidator.readYaml(SERIALIZATION.asYaml(typed));
      CrdValidator.Result again = validator.validate(back);
      assertTrue(again.valid(), () -> sample.getFileName() + " after the Java round trip: " + again);
      assertEquals(result.defaulted().path("spec"), again.defaulted().path("spec"),
          sample.getFileName() + ": the Java classes changed the spec");
    }
    assertTrue(cairnDocs > 0, sample + " holds no cairn.dev object");
  }
}
