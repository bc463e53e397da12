package dev.cairn.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code etcdctl} (API v3) and returns what it printed. */
public final class Etcdctl {

  private Etcdctl() {}

  /** Output of a successful run; a non-zero exit or a timeout throws with the output in the message. */
  public static String run(Duration timeout, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Prerequisites.etcdctl().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    try {
      Process p = pb.start();
      ProcessRegistry.register(p);
      try {
        // etcdctl prints little; read after exit is safe for the outputs the tests produce.
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("etcdctl " + String.join(" ", args) + " timed out after " + timeout);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
          throw new IllegalStateException(
              "etcdctl " + String.join(" ", args) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
      } finally {
        ProcessRegistry.unregister(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
