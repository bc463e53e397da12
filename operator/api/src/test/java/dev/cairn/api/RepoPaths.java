package dev.cairn.api;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository checkout from a test running in the api module. */
public final class RepoPaths {

  private RepoPaths() {}

  /** The repository root: the nearest directory upwards that holds {@code operator/api/pom.xml}. */
  public static Path root() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("operator/api/pom.xml"))) {
        return d;
      }
    }
    throw new IllegalStateException("cannot find the repository root (operator/api/pom.xml) above " + dir);
  }
}
