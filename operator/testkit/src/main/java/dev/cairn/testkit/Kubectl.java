package dev.cairn.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl against a kubeconfig, with its own discovery cache, each call bounded. */
public final class Kubectl {

  /** Exit code and combined output. */
  public record Result(int exitCode, String output) {}

  private final Path binary;
  private final Path kubeconfig;
  private final Path cacheDir;

  public Kubectl(Path kubeconfig, Path cacheDir) {
    this.binary = find();
    this.kubeconfig = kubeconfig;
    this.cacheDir = cacheDir;
  }

  /** kubectl from $KUBECTL_BIN or PATH; a missing kubectl fails the test with how to get one. */
  public static Path find() {
    String env = System.getenv("KUBECTL_BIN");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException("kubectl was not found on PATH; install it (hack/install-prereqs.sh) or set KUBECTL_BIN");
  }

  public Result run(String... args) {
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", cacheDir.toString(), "--request-timeout=20s"));
    cmd.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(cacheDir.getParent(), "kubectl", ".out");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      p.getOutputStream().close();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 60 s");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      Files.delete(out);
      return new Result(p.exitValue(), text);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kubectl: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Runs and insists on exit code 0. */
  public String ok(String... args) {
    Result r = run(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.output());
    }
    return r.output();
  }
}
