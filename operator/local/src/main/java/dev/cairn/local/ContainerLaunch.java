package dev.cairn.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a container of a pod spec into a local process launch: the command line (with {@code cairn}
 * mapped to the local CLI and other programs found on PATH), the environment (literal values,
 * field, Secret and ConfigMap references, {@code $(VAR)} expansion as Kubernetes does it) and the
 * mount paths rewritten to local directories.
 */
final class ContainerLaunch {

  /** What to start: argv, environment, working directory. */
  record Spec(List<String> argv, Map<String, String> env, Path workingDir) {}

  /** Inherited variables that would change what a program does, whatever the pod spec says. */
  private static final List<String> DROPPED_PREFIXES = List.of("ETCD_", "ETCDCTL_", "KUBERNETES_", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

  private final PodRunnerOptions options;
  private final ClusterView view;

  ContainerLaunch(PodRunnerOptions options, ClusterView view) {
    this.options = options;
    this.view = view;
  }

  /**
   * @param podIp the pod's loopback address
   * @param podHosts the pod's hosts file, handed to JVMs
   * @param mounts the container's mounts
   * @param podDir the pod's directory, the working directory unless the container names one
   */
  Spec spec(Pod pod, Container container, String podIp, Path podHosts, MountPaths mounts, Path podDir)
      throws ClusterView.ConfigException {
    Map<String, String> podVars = containerEnv(pod, container, podIp);
    Map<String, String> env = new LinkedHashMap<>();
    System.getenv().forEach((k, v) -> {
      if (DROPPED_PREFIXES.stream().noneMatch(k::startsWith)) {
        env.put(k, v);
      }
    });
    env.put("HOSTNAME", hostname(pod));
    env.putAll(options.extraEnv());
    podVars.forEach((k, v) -> env.put(k, mounts.rewrite(v)));
    // Last, so that no pod spec can point a process at another API server or out of local mode.
    env.put("KUBECONFIG", options.kubeconfig().toString());
    env.put("CAIRN_LOCAL_MODE", "true");

    List<String> command = new ArrayList<>(container.getCommand() == null ? List.of() : container.getCommand());
    List<String> args = new ArrayList<>(container.getArgs() == null ? List.of() : container.getArgs());
    if (command.isEmpty()) {
      command = imageEntrypoint(container);
    }
    List<String> expanded = new ArrayList<>();
    for (String part : command) {
      expanded.add(mounts.rewrite(Expansion.expand(part, podVars)));
    }
    for (String part : args) {
      expanded.add(mounts.rewrite(Expansion.expand(part, podVars)));
    }
    Path workingDir = podDir;
    if (container.getWorkingDir() != null && !container.getWorkingDir().isEmpty()) {
      String wd = mounts.rewrite(container.getWorkingDir());
      workingDir = wd.equals(container.getWorkingDir()) ? podDir : Path.of(wd);
    }
    return new Spec(argv(expanded, podHosts, container.getName()), env, workingDir);
  }

  /** Like {@link #spec} for an exec probe's command: no $(VAR) expansion, as the kubelet does. */
  Spec execSpec(Spec containerSpec, List<String> command, Path podHosts, MountPaths mounts, String containerName) {
    List<String> rewritten = new ArrayList<>();
    for (String part : command) {
      rewritten.add(mounts.rewrite(part));
    }
    return new Spec(argv(rewritten, podHosts, containerName), containerSpec.env(), containerSpec.workingDir());
  }

  private List<String> argv(List<String> commandLine, Path podHosts, String containerName) {
    if (commandLine.isEmpty()) {
      throw new IllegalArgumentException("empty command line");
    }
    String program = commandLine.get(0);
    List<String> rest = commandLine.subList(1, commandLine.size());
    List<String> argv = new ArrayList<>();
    if (baseName(program).equals("cairn")) {
      if (options.cairnLaunch().isEmpty()) {
        throw new IllegalStateException("container " + containerName + " runs cairn, but this pod runner was"
            + " given no cairn launcher; set PodRunnerOptions.cairnJar (operator/cli/target/cairn.jar)");
      }
      argv.add(options.javaBinary().toString());
      argv.addAll(options.jvmOptions());
      argv.addAll(jvmNameOptions(podHosts));
      argv.addAll(options.cairnLaunch());
    } else {
      argv.add(resolveProgram(program));
    }
    argv.addAll(rest);
    return argv;
  }

  /** Flags that make a JVM resolve names through the pod's hosts file, and notice changes quickly. */
  static List<String> jvmNameOptions(Path hostsFile) {
    return List.of(
        "-Djdk.net.hosts.file=" + hostsFile,
        "-Dsun.net.inetaddr.ttl=1",
        "-Dsun.net.inetaddr.negative.ttl=0");
  }

  /** A program by name: the configured one, then PATH; an absolute path missing here falls back to PATH. */
  String resolveProgram(String program) {
    Path configured = options.programs().get(baseName(program));
    if (configured != null) {
      return configured.toString();
    }
    if (program.contains("/")) {
      Path p = Path.of(program);
      if (Files.isExecutable(p)) {
        return program;
      }
      program = baseName(program);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path candidate = Path.of(dir, program);
          if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
            return candidate.toString();
          }
        }
      }
    }
    throw new IllegalStateException("program " + program + " was not found on PATH (" + path
        + "); install it or map it with PodRunnerOptions.program(\"" + program + "\", path)");
  }

  /** Without a command, an image's entrypoint runs; the only image local mode knows is cairn's. */
  private static List<String> imageEntrypoint(Container container) throws ClusterView.ConfigException {
    String image = container.getImage() == null ? "" : container.getImage();
    String repo = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    int colon = repo.lastIndexOf(':');
    if (colon > repo.lastIndexOf('/')) {
      repo = repo.substring(0, colon);
    }
    if (baseName(repo).equals("cairn")) {
      return List.of("cairn");
    }
    throw new ClusterView.ConfigException("CreateContainerConfigError", "container " + container.getName()
        + " has no command and its image " + image + " is not cairn's; local mode runs processes, not"
        + " images: give the container a command");
  }

  /** The container's own variables (envFrom, then env in order), without the inherited ones. */
  Map<String, String> containerEnv(Pod pod, Container container, String podIp) throws ClusterView.ConfigException {
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> vars = new LinkedHashMap<>();
    if (container.getEnvFrom() != null) {
      for (EnvFromSource from : container.getEnvFrom()) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        if (from.getConfigMapRef() != null) {
          var ref = from.getConfigMapRef();
          Optional<ConfigMap> cm = view.configMap(ns, ref.getName());
          if (cm.isEmpty()) {
            if (Boolean.TRUE.equals(ref.getOptional())) {
              continue;
            }
            throw missing("ConfigMap", ns, ref.getName(), container);
          }
          if (cm.get().getData() != null) {
            cm.get().getData().forEach((k, v) -> vars.put(prefix + k, v));
          }
        }
        if (from.getSecretRef() != null) {
          var ref = from.getSecretRef();
          Optional<Secret> s = view.secret(ns, ref.getName());
          if (s.isEmpty()) {
            if (Boolean.TRUE.equals(ref.getOptional())) {
              continue;
            }
            throw missing("Secret", ns, ref.getName(), container);
          }
          secretData(s.get()).forEach((k, v) -> vars.put(prefix + k, new String(v, StandardCharsets.UTF_8)));
        }
      }
    }
    if (container.getEnv() != null) {
      for (EnvVar e : container.getEnv()) {
        if (e.getValueFrom() == null) {
          vars.put(e.getName(), Expansion.expand(e.getValue() == null ? "" : e.getValue(), vars));
          continue;
        }
        Optional<String> value = valueFrom(pod, container, e.getValueFrom(), podIp);
        value.ifPresent(v -> vars.put(e.getName(), v));
      }
    }
    return vars;
  }

  private Optional<String> valueFrom(Pod pod, Container container, EnvVarSource source, String podIp)
      throws ClusterView.ConfigException {
    String ns = pod.getMetadata().getNamespace();
    if (source.getFieldRef() != null) {
      return Optional.of(field(pod, source.getFieldRef(), podIp));
    }
    if (source.getSecretKeyRef() != null) {
      var ref = source.getSecretKeyRef();
      boolean optional = Boolean.TRUE.equals(ref.getOptional());
      Optional<Secret> s = view.secret(ns, ref.getName());
      if (s.isEmpty()) {
        if (optional) {
          return Optional.empty();
        }
        throw missing("Secret", ns, ref.getName(), container);
      }
      byte[] v = secretData(s.get()).get(ref.getKey());
      if (v == null) {
        if (optional) {
          return Optional.empty();
        }
        throw new ClusterView.ConfigException("CreateContainerConfigError",
            "key " + ref.getKey() + " not found in Secret " + ns + "/" + ref.getName());
      }
      return Optional.of(new String(v, StandardCharsets.UTF_8));
    }
    if (source.getConfigMapKeyRef() != null) {
      var ref = source.getConfigMapKeyRef();
      boolean optional = Boolean.TRUE.equals(ref.getOptional());
      Optional<ConfigMap> cm = view.configMap(ns, ref.getName());
      if (cm.isEmpty()) {
        if (optional) {
          return Optional.empty();
        }
        throw missing("ConfigMap", ns, ref.getName(), container);
      }
      String v = cm.get().getData() == null ? null : cm.get().getData().get(ref.getKey());
      if (v == null && cm.get().getBinaryData() != null && cm.get().getBinaryData().get(ref.getKey()) != null) {
        v = new String(Base64.getDecoder().decode(cm.get().getBinaryData().get(ref.getKey())), StandardCharsets.UTF_8);
      }
      if (v == null) {
        if (optional) {
          return Optional.empty();
        }
        throw new ClusterView.ConfigException("CreateContainerConfigError",
            "key " + ref.getKey() + " not found in ConfigMap " + ns + "/" + ref.getName());
      }
      return Optional.of(v);
    }
    if (source.getResourceFieldRef() != null) {
      return Optional.of(resource(pod, container, source.getResourceFieldRef()));
    }
    return Optional.empty();
  }

  /** The downward API fields a kubelet offers. */
  static String field(Pod pod, ObjectFieldSelector selector, String podIp) throws ClusterView.ConfigException {
    String path = selector.getFieldPath();
    var meta = pod.getMetadata();
    switch (path) {
      case "metadata.name":
        return meta.getName();
      case "metadata.namespace":
        return meta.getNamespace();
      case "metadata.uid":
        return meta.getUid() == null ? "" : meta.getUid();
      case "spec.nodeName":
        return pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName();
      case "spec.serviceAccountName":
        return pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
      case "status.podIP":
      case "status.podIPs":
        return podIp;
      case "status.hostIP":
      case "status.hostIPs":
        return "127.0.0.1";
      default:
        break;
    }
    String labels = "metadata.labels['";
    String annotations = "metadata.annotations['";
    if (path.startsWith(labels) && path.endsWith("']")) {
      String key = path.substring(labels.length(), path.length() - 2);
      return meta.getLabels() == null ? "" : meta.getLabels().getOrDefault(key, "");
    }
    if (path.startsWith(annotations) && path.endsWith("']")) {
      String key = path.substring(annotations.length(), path.length() - 2);
      return meta.getAnnotations() == null ? "" : meta.getAnnotations().getOrDefault(key, "");
    }
    if (path.equals("metadata.labels") || path.equals("metadata.annotations")) {
      Map<String, String> m = path.equals("metadata.labels") ? meta.getLabels() : meta.getAnnotations();
      StringBuilder b = new StringBuilder();
      if (m != null) {
        m.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\"\n"));
      }
      return b.toString();
    }
    throw new ClusterView.ConfigException("CreateContainerConfigError",
        "field " + path + " is not offered by local mode's downward API");
  }

  /** limits/requests of a container; with no limit, what this machine has, like a node's allocatable. */
  private static String resource(Pod pod, Container own, ResourceFieldSelector selector) {
    Container c = own;
    if (selector.getContainerName() != null && !selector.getContainerName().isEmpty()) {
      c = pod.getSpec().getContainers().stream().filter(x -> selector.getContainerName().equals(x.getName()))
          .findFirst().orElse(own);
    }
    String res = selector.getResource();
    String[] parts = res.split("\\.", 2);
    Map<String, Quantity> values = null;
    if (c.getResources() != null) {
      values = "limits".equals(parts[0]) ? c.getResources().getLimits() : c.getResources().getRequests();
    }
    Quantity q = values == null || parts.length < 2 ? null : values.get(parts[1]);
    if (q != null) {
      java.math.BigDecimal amount = q.getNumericalAmount();
      java.math.BigDecimal divisor = selector.getDivisor() == null ? java.math.BigDecimal.ONE
          : selector.getDivisor().getNumericalAmount();
      return amount.divide(divisor, 0, java.math.RoundingMode.CEILING).toPlainString();
    }
    if (parts.length == 2 && parts[1].equals("cpu")) {
      return String.valueOf(Runtime.getRuntime().availableProcessors());
    }
    if (parts.length == 2 && parts[1].equals("memory")) {
      return String.valueOf(Runtime.getRuntime().maxMemory());
    }
    return "0";
  }

  /** A Secret's values, decoded; {@code stringData} counts too, since nothing here merges it into data. */
  static Map<String, byte[]> secretData(Secret s) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, v) -> out.put(k, Base64.getMimeDecoder().decode(v == null ? "" : v)));
    }
    if (s.getStringData() != null) {
      s.getStringData().forEach((k, v) -> out.put(k, (v == null ? "" : v).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  static String hostname(Pod pod) {
    String h = pod.getSpec().getHostname();
    return h == null || h.isEmpty() ? pod.getMetadata().getName() : h;
  }

  private static ClusterView.ConfigException missing(String kind, String ns, String name, Container c) {
    return new ClusterView.ConfigException("CreateContainerConfigError",
        kind + " " + ns + "/" + name + " needed by container " + c.getName() + " does not exist");
  }

  static String baseName(String program) {
    int slash = program.lastIndexOf('/');
    return slash < 0 ? program : program.substring(slash + 1);
  }
}
