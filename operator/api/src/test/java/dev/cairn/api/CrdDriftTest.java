package dev.cairn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs in {@code crds/} are exactly what the code generates, byte for byte, and {@link
 * CrdFiles#NAMES} lists exactly the generated files.
 */
class CrdDriftTest {

  private static final String FIX = "run hack/update-crds.sh and commit crds/";

  private static Path generatedDir() {
    return RepoPaths.root().resolve("operator/api/target/classes/META-INF/fabric8");
  }

  private static TreeSet<String> ymlFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return new TreeSet<>();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yml") || n.endsWith(".yaml"))
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void crdFilesNamesMatchWhatTheGeneratorProduces() throws IOException {
    TreeSet<String> generated = ymlFiles(generatedDir());
    assertTrue(!generated.isEmpty(), "the CRD generator produced nothing in " + generatedDir());
    assertEquals(generated, new TreeSet<>(CrdFiles.NAMES),
        "dev.cairn.api.CrdFiles.NAMES must list exactly the generated CRD files");
  }

  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    Path committedDir = RepoPaths.root().resolve("crds");
    TreeSet<String> generated = ymlFiles(generatedDir());
    TreeSet<String> committed = ymlFiles(committedDir);
    assertEquals(generated, committed, "crds/ holds other files than the generator produces: " + FIX);
    for (String name : generated) {
      byte[] expected = Files.readAllBytes(generatedDir().resolve(name));
      byte[] actual = Files.readAllBytes(committedDir.resolve(name));
      if (!Arrays.equals(expected, actual)) {
        fail("crds/" + name + " differs from the CRD generated from the code (first difference at line "
            + firstDifferentLine(expected, actual) + "): " + FIX);
      }
    }
  }

  @Test
  void everyNameIsReadableFromTheClasspath() {
    for (String name : CrdFiles.NAMES) {
      assertTrue(CrdFiles.read(name).contains("kind: \"CustomResourceDefinition\""), name);
    }
  }

  private static int firstDifferentLine(byte[] expected, byte[] actual) {
    List<String> a = new String(expected, java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    List<String> b = new String(actual, java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      if (!a.get(i).equals(b.get(i))) {
        return i + 1;
      }
    }
    return Math.min(a.size(), b.size()) + 1;
  }
}
