package dev.cairn.agent.restore;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the etcd programs a restore runs are: {@code etcd} for the temporary member that replays
 * deltas, and {@code etcdutl} (etcd 3.5+) or else {@code etcdctl} (3.4) for the base restore.
 * Each comes from an environment variable ({@code ETCD_BIN}, {@code ETCDUTL_BIN}, {@code ETCDCTL_BIN})
 * or the PATH.
 *
 * @param etcd the etcd server binary
 * @param restoreTool etcdutl or etcdctl
 */
public record EtcdTools(Path etcd, Path restoreTool) {

  /** Whether the restore tool is etcdutl (3.5+), which has the same flags but no ETCDCTL_API. */
  public boolean isEtcdutl() {
    return restoreTool.getFileName().toString().startsWith("etcdutl");
  }

  /** Finds the programs; a missing one throws with what to install. */
  public static EtcdTools find(Map<String, String> env) {
    Path etcd = locate(env, "ETCD_BIN", "etcd").orElseThrow(() -> new IllegalStateException(
        "etcd was not found (ETCD_BIN or PATH): a restore replays deltas through a temporary etcd; install"
            + " etcd next to the agent or point ETCD_BIN at it"));
    Path tool = locate(env, "ETCDUTL_BIN", "etcdutl")
        .or(() -> locate(env, "ETCDCTL_BIN", "etcdctl"))
        .orElseThrow(() -> new IllegalStateException(
            "neither etcdutl (etcd 3.5+) nor etcdctl (3.4) was found (ETCDUTL_BIN, ETCDCTL_BIN or PATH): the base"
                + " of a restore is made by etcd's own snapshot restore; install one of them"));
    return new EtcdTools(etcd, tool);
  }

  static Optional<Path> locate(Map<String, String> env, String var, String program) {
    String v = env.get(var);
    if (v != null && !v.isBlank()) {
      Path p = Path.of(v);
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException(var + "=" + v + " is not an executable file; fix or unset it");
      }
      return Optional.of(p);
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path c = Path.of(dir, program);
      if (Files.isExecutable(c) && !Files.isDirectory(c)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
