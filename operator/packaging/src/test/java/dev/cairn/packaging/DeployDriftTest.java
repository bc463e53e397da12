package dev.cairn.packaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The generated files under deploy/ match their sources: the CRDs and protection policies copied into
 * the chart and the kustomize base, and the base's operator manifests rendered from the chart.
 */
class DeployDriftTest {

  @Test
  void generatedDeployFilesMatchTheirSources() {
    Map<String, String> drift = DeployFiles.drift();
    assertTrue(drift.isEmpty(), "files under deploy/ differ from their sources: run hack/sync-deploy.sh and commit"
        + " deploy/ (" + drift + ")");
  }
}
