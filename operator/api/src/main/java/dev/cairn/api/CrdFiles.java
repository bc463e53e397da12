package dev.cairn.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Where the generated CustomResourceDefinitions live: Fabric8's CRD generator writes them into this
 * module's jar under {@code META-INF/fabric8/}, and the build copies the same files into {@code crds/}.
 */
public final class CrdFiles {

  /** File names of the generated CRDs (apiextensions.k8s.io/v1), in the order they are applied. */
  public static final List<String> NAMES =
      List.of(
          "etcds.cairn.dev-v1.yml",
          "etcdsnapshots.cairn.dev-v1.yml",
          "etcdopstasks.cairn.dev-v1.yml");

  private CrdFiles() {}

  /** Reads one generated CRD from the classpath. */
  public static String read(String name) {
    String path = "META-INF/fabric8/" + name;
    try (InputStream in = CrdFiles.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(
            "CRD " + path + " is not on the classpath: build the api module (./mvnw -pl operator/api install)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
