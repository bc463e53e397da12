package dev.cairn.packaging;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the repository checkout, found from the working directory (Maven runs tests in the module). */
final class Repo {

  private Repo() {}

  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null) {
      if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("deploy"))) {
        return p;
      }
      p = p.getParent();
    }
    throw new IllegalStateException("no repository root (a directory holding mvnw and deploy/) above "
        + Path.of("").toAbsolutePath() + ": run the tests from the checkout");
  }

  static Path chart() {
    return root().resolve("deploy/helm/cairn");
  }

  static Path kustomizeBase() {
    return root().resolve("deploy/kustomize/base");
  }

  static Path samples() {
    return root().resolve("deploy/samples");
  }
}
