package dev.cairn.packaging;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders deploy/helm/cairn with Helm's own template engine (helm-java runs Helm's Go code in-process),
 * as {@code helm template --include-crds} would.
 */
final class Chart {

  static final String RELEASE = "cairn";
  static final String NAMESPACE = "cairn-system";
  /** The Kubernetes version rendered for (the chart requires 1.30+; Helm alone would assume 1.20). */
  static final String KUBE_VERSION = "1.31.0";

  private Chart() {}

  /** The chart with its default values, release {@value #RELEASE} in {@value #NAMESPACE}. */
  static List<ObjectNode> render() {
    return render(Map.of(), RELEASE, NAMESPACE);
  }

  static List<ObjectNode> render(Map<String, Object> values) {
    return render(values, RELEASE, NAMESPACE);
  }

  /**
   * The objects {@code helm install} would create: the chart's {@code crds/} first (Helm installs them
   * before the templates and never templates them; helm-java's template leaves them out), then the
   * rendered templates.
   */
  static List<ObjectNode> render(Map<String, Object> values, String release, String namespace) {
    List<ObjectNode> out = new ArrayList<>(crds());
    out.addAll(templates(values, release, namespace));
    return out;
  }

  /** The rendered templates only, without the CRDs. */
  static List<ObjectNode> templates(Map<String, Object> values, String release, String namespace) {
    return Manifests.parse(renderText(values, release, namespace));
  }

  static List<ObjectNode> crds() {
    List<ObjectNode> out = new ArrayList<>();
    for (Path f : DeployFiles.yamlFiles(Repo.chart().resolve("crds"))) {
      try {
        out.addAll(Manifests.parse(Files.readString(f)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The rendered YAML; Helm's error (a failed template, values refused by the schema) as an exception. */
  static String renderText(Map<String, Object> values, String release, String namespace) {
    Path file = null;
    try {
      file = Files.createTempFile("cairn-values-", ".yaml");
      Files.writeString(file, Manifests.YAML.writeValueAsString(values));
      return new Helm(Repo.chart()).template().withName(release).withNamespace(namespace)
          .withKubeVersion(KUBE_VERSION).withValuesFile(file).call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file of a few bytes
        }
      }
    }
  }
}
