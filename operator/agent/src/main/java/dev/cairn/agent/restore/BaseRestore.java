package dev.cairn.agent.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Turns a verified v3 snapshot file into an etcd data dir with etcd's own tool ({@code etcdutl
 * snapshot restore}, or {@code etcdctl snapshot restore} on 3.4): it writes the member's WAL, raft
 * snapshot and membership for the given name, peer URLs, initial cluster and token. The target
 * directory must not exist (etcdctl 3.4 refuses otherwise); the caller renames it into place.
 */
final class BaseRestore {

  private BaseRestore() {}

  /** Runs the tool; failures throw with the tool's last output lines. Returns the time it took. */
  static Duration run(EtcdTools tools, Path snapshotFile, Path target, RestoredMember m, Path logFile, Duration timeout)
      throws RestoreException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(tools.restoreTool().toString());
    cmd.add("snapshot");
    cmd.add("restore");
    cmd.add(snapshotFile.toString());
    cmd.add("--data-dir=" + target);
    cmd.add("--name=" + m.name());
    cmd.add("--initial-cluster=" + m.initialCluster());
    cmd.add("--initial-cluster-token=" + m.clusterToken());
    cmd.add("--initial-advertise-peer-urls=" + m.peerUrls());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    if (!tools.isEtcdutl()) {
      pb.environment().put("ETCDCTL_API", "3");
    }
    long t0 = System.nanoTime();
    Process p;
    try {
      Files.createDirectories(logFile.getParent());
      p = pb.start();
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "cannot run " + tools.restoreTool() + ": " + e.getMessage(), e);
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new RestoreException(RestoreException.Reason.TOOL,
            tools.restoreTool().getFileName() + " snapshot restore did not finish within " + timeout + "; output: "
                + tail(logFile));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      throw e;
    }
    if (p.exitValue() != 0) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          tools.restoreTool().getFileName() + " snapshot restore failed with exit code " + p.exitValue() + ": "
              + tail(logFile));
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }
}
