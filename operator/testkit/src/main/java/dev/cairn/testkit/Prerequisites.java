package dev.cairn.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the external programs the integration tests need. A missing program fails the test with a
 * message that says how to install it: tests never skip silently.
 */
public final class Prerequisites {

  private static final String INSTALL_HINT =
      "install it with `sudo apt-get install -y etcd-server etcd-client` (Debian/Ubuntu),"
          + " or run hack/install-prereqs.sh, or point %s at the binary";

  private Prerequisites() {}

  /** The etcd server binary: {@code $ETCD_BIN}, else {@code etcd} on PATH. */
  public static Path etcd() {
    return find("ETCD_BIN", "etcd");
  }

  /** The etcdctl binary: {@code $ETCDCTL_BIN}, else {@code etcdctl} on PATH. */
  public static Path etcdctl() {
    return find("ETCDCTL_BIN", "etcdctl");
  }

  /** etcdutl (etcd 3.5+), if present; Debian's etcd 3.4 does not ship it. */
  public static Optional<Path> etcdutl() {
    return onPath("etcdutl");
  }

  static Path find(String envVar, String program) {
    String fromEnv = System.getenv(envVar);
    if (fromEnv != null && !fromEnv.isBlank()) {
      Path p = Path.of(fromEnv);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IllegalStateException(
          envVar + "=" + fromEnv + " is not an executable file; fix the variable or unset it to use "
              + program + " from PATH");
    }
    return onPath(program)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    program + " was not found on PATH (" + System.getenv("PATH") + "): "
                        + String.format(INSTALL_HINT, envVar)));
  }

  static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
