package dev.cairn.local;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * One loopback address per pod ({@code 127.<subnet>.x.y}, subnet 1 by default), stable for a namespace/name and kept in a file
 * of the work directory, so a pod that comes back (after a restart of local mode, or a re-created
 * StatefulSet pod) binds the same address and its peers' configuration stays valid.
 *
 * <p>Every address in 127.0.0.0/8 is loopback on Linux, so processes can bind them without root.
 * 127.0.0.1 stays for the API server, the S3 store and anything shared.
 */
final class PodAddresses {

  private final int first;
  private final int last;
  private final Path file;
  private final Map<String, String> byPod = new TreeMap<>();
  private final Set<String> used = new HashSet<>();

  /** Addresses {@code 127.<subnet>.0.1} to {@code 127.<subnet>.255.254}. */
  PodAddresses(Path file, int subnet) {
    if (subnet < 1 || subnet > 255) {
      throw new IllegalArgumentException("the pod subnet must be the second octet of 127.x.0.0, 1 to 255; got " + subnet);
    }
    this.first = (127 << 24) | (subnet << 16) | 1;
    this.last = (127 << 24) | (subnet << 16) | (255 << 8) | 254;
    this.file = file;
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the pod address file " + file
            + "; delete it to let local mode assign new addresses", e);
      }
      p.forEach((k, v) -> {
        byPod.put(k.toString(), v.toString());
        used.add(v.toString());
      });
    }
  }

  /** The address of {@code namespace/name}, assigned (and saved) on first use. */
  synchronized String addressOf(String namespace, String name) {
    String key = namespace + "/" + name;
    String ip = byPod.get(key);
    if (ip != null) {
      return ip;
    }
    for (int a = first; a <= last; a++) {
      int last = a & 0xff;
      if (last == 0 || last == 255) {
        continue;
      }
      String candidate = format(a);
      if (!used.contains(candidate)) {
        byPod.put(key, candidate);
        used.add(candidate);
        save();
        return candidate;
      }
    }
    throw new IllegalStateException("no free loopback address left in " + format(first) + "-" + format(last)
        + " for pod " + key + "; delete " + file + " (pods then get new addresses)");
  }

  synchronized Map<String, String> all() {
    return Map.copyOf(byPod);
  }

  private void save() {
    Properties p = new Properties();
    p.putAll(byPod);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(w, "pod loopback addresses of cairn local mode: namespace/pod = address");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the pod address file " + file, e);
    }
  }

  private static String format(int a) {
    return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }
}
