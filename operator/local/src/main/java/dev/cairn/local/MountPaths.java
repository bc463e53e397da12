package dev.cairn.local;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The container paths of one container's volume mounts and the local directories behind them.
 * A local process sees no mounts, so a path reaches it only through its arguments and environment:
 * a value that is a mounted path, or a {@code --flag=} argument whose value is one, is rewritten to
 * the local directory (the longest mount path wins, and only at a path-segment boundary).
 */
final class MountPaths {

  private final Map<String, Path> mounts;

  MountPaths(Map<String, Path> mounts) {
    Map<String, Path> sorted = new LinkedHashMap<>();
    mounts.entrySet().stream()
        .sorted(Comparator.comparingInt((Map.Entry<String, Path> e) -> normalise(e.getKey()).length()).reversed())
        .forEach(e -> sorted.put(normalise(e.getKey()), e.getValue()));
    this.mounts = sorted;
  }

  Map<String, Path> mounts() {
    return mounts;
  }

  /** The value with a leading mounted path replaced by its local directory; other values unchanged. */
  String rewrite(String value) {
    if (value == null || value.isEmpty()) {
      return value;
    }
    String whole = rewritePath(value);
    if (whole != null) {
      return whole;
    }
    int eq = value.indexOf('=');
    if (value.startsWith("-") && eq > 0) {
      String rewritten = rewritePath(value.substring(eq + 1));
      if (rewritten != null) {
        return value.substring(0, eq + 1) + rewritten;
      }
    }
    return value;
  }

  private String rewritePath(String value) {
    for (Map.Entry<String, Path> m : mounts.entrySet()) {
      String mountPath = m.getKey();
      if (value.equals(mountPath)) {
        return m.getValue().toString();
      }
      String prefix = mountPath.equals("/") ? "/" : mountPath + "/";
      if (value.startsWith(prefix)) {
        return m.getValue().resolve(value.substring(prefix.length())).toString();
      }
    }
    return null;
  }

  private static String normalise(String mountPath) {
    String p = mountPath;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
