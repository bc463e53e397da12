package dev.cairn.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The names local mode gives its pods and Services, in the JDK's hosts-file format ({@code ip name
 * name ...}), which a JVM started with {@code -Djdk.net.hosts.file=<file>} uses instead of DNS.
 *
 * <p>A JDK that reads a hosts file resolves <em>only</em> what the file lists, so the file also
 * carries {@code localhost} and this machine's host name. Two flavours are written: the shared file
 * (for the operator and tools) and one per pod, in which {@code localhost} and the pod's own host
 * name resolve to the pod's address (a pod's private loopback, emulated) and the Services of the
 * pod's namespace also resolve by their bare name (the search path of a pod's resolv.conf).
 */
final class HostsFile {

  /** One address with its names. */
  record Entry(String ip, List<String> names) {}

  /** A pod as the names see it. {@code subdomain} may be null (no per-pod names then). */
  record PodName(String namespace, String name, String hostname, String subdomain, String ip) {}

  /** A Service and the addresses behind its name (one, or every ready pod when headless). */
  record ServiceName(String namespace, String name, List<String> ips) {}

  private final String clusterDomain;
  private final String machineHostname;

  HostsFile(String clusterDomain, String machineHostname) {
    this.clusterDomain = clusterDomain;
    this.machineHostname = machineHostname;
  }

  /** The fully qualified and shorter names of a pod with a hostname and subdomain. */
  List<String> podNames(PodName pod) {
    if (pod.subdomain() == null || pod.subdomain().isEmpty()) {
      return List.of();
    }
    String base = pod.hostname() + "." + pod.subdomain() + "." + pod.namespace();
    return List.of(base + ".svc." + clusterDomain, base + ".svc", base, pod.hostname() + "." + pod.subdomain());
  }

  List<String> serviceNames(ServiceName svc) {
    String base = svc.name() + "." + svc.namespace();
    return List.of(base + ".svc." + clusterDomain, base + ".svc", base);
  }

  /** The name of 127.0.0.1, where the API server and the S3 store listen, in every file. */
  static final String SHARED_SERVICES = "cairn-local";

  /** The shared file: loopback names, every pod, every Service with addresses. */
  String renderShared(Collection<PodName> pods, Collection<ServiceName> services) {
    List<Entry> entries = new ArrayList<>();
    List<String> loopback = new ArrayList<>(loopbackNames());
    loopback.add(SHARED_SERVICES);
    entries.add(new Entry("127.0.0.1", loopback));
    entries.addAll(podEntries(pods));
    entries.addAll(serviceEntries(services, null));
    return render(entries);
  }

  /** The file of one pod: like the shared one, with localhost and its own names on its address. */
  String renderForPod(PodName self, Collection<PodName> pods, Collection<ServiceName> services) {
    List<Entry> entries = new ArrayList<>();
    List<String> own = new ArrayList<>(List.of("localhost", "localhost.localdomain"));
    if (machineHostname != null && !machineHostname.isEmpty()) {
      own.add(machineHostname);
    }
    own.add(self.hostname());
    entries.add(new Entry(self.ip(), own));
    entries.add(new Entry("127.0.0.1", List.of(SHARED_SERVICES)));
    entries.addAll(podEntries(pods));
    entries.addAll(serviceEntries(services, self.namespace()));
    return render(entries);
  }

  private List<String> loopbackNames() {
    List<String> names = new ArrayList<>(List.of("localhost", "localhost.localdomain"));
    if (machineHostname != null && !machineHostname.isEmpty()) {
      names.add(machineHostname);
    }
    return names;
  }

  private List<Entry> podEntries(Collection<PodName> pods) {
    List<Entry> out = new ArrayList<>();
    pods.stream()
        .sorted(Comparator.comparing(PodName::namespace).thenComparing(PodName::name))
        .forEach(p -> {
          List<String> names = podNames(p);
          if (!names.isEmpty() && p.ip() != null) {
            out.add(new Entry(p.ip(), names));
          }
        });
    return out;
  }

  /** Services, with their bare name too when they live in {@code ownNamespace}. */
  private List<Entry> serviceEntries(Collection<ServiceName> services, String ownNamespace) {
    // One line per address: the JDK returns every address listed for a name, in file order.
    List<Entry> out = new ArrayList<>();
    services.stream()
        .sorted(Comparator.comparing(ServiceName::namespace).thenComparing(ServiceName::name))
        .forEach(s -> {
          List<String> names = new ArrayList<>(serviceNames(s));
          if (s.namespace().equals(ownNamespace)) {
            names.add(s.name());
          }
          for (String ip : s.ips()) {
            out.add(new Entry(ip, names));
          }
        });
    return out;
  }

  static String render(List<Entry> entries) {
    StringBuilder b = new StringBuilder();
    b.append("# Written by cairn local mode's pod runner; rewritten whenever pods or Services change.\n");
    b.append("# JVMs read it through -Djdk.net.hosts.file; Go programs (etcd) never do.\n");
    for (Entry e : entries) {
      Set<String> names = new LinkedHashSet<>(e.names());
      b.append(e.ip()).append(' ').append(String.join(" ", names)).append('\n');
    }
    return b.toString();
  }

  /** Writes atomically (readers never see half a file) and only when the content changed. */
  static boolean writeIfChanged(Path file, String content) {
    try {
      if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(content)) {
        return false;
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write hosts file " + file, e);
    }
  }
}
