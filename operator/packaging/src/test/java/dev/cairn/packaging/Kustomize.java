package dev.cairn.packaging;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code kubectl kustomize}: builds a kustomization with the kustomize built into kubectl. */
final class Kustomize {

  private Kustomize() {}

  static List<ObjectNode> build(Path dir) {
    Process p;
    try {
      p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new AssertionError("kubectl is needed to build the kustomize base and was not found on PATH ("
          + e.getMessage() + "): install it with hack/install-prereqs.sh or your package manager (kubectl 1.27+)", e);
    }
    try {
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kubectl kustomize " + dir + " did not finish within 60 s");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("kubectl kustomize " + dir + " failed (" + p.exitValue() + "): "
            + new String(err, StandardCharsets.UTF_8));
      }
      return Manifests.parse(new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
