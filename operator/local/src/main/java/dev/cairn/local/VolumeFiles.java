package dev.cairn.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The files of ConfigMap, Secret, projected and downward-API volumes, written into a pod's
 * directory and kept up to date when the objects change, as the kubelet does (each file is
 * replaced atomically; keys that went away are removed).
 */
final class VolumeFiles {

  /** One file of a volume. */
  record File(byte[] content, int mode) {
    @Override
    public boolean equals(Object o) {
      return o instanceof File f && f.mode == mode && Arrays.equals(f.content, content);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(content) * 31 + mode;
    }

    @Override
    public String toString() {
      return "File[" + content.length + " bytes, mode " + Integer.toOctalString(mode) + "]";
    }
  }

  private static final int DEFAULT_MODE = 0644;

  private VolumeFiles() {}

  /** Whether local mode materialises this volume as files. */
  static boolean isFileVolume(Volume v) {
    return v.getConfigMap() != null || v.getSecret() != null || v.getProjected() != null || v.getDownwardAPI() != null;
  }

  /** The files the volume should hold; a missing required source is a {@link ClusterView.ConfigException}. */
  static Map<String, File> render(Pod pod, Volume v, ClusterView view, String podIp) throws ClusterView.ConfigException {
    String ns = pod.getMetadata().getNamespace();
    Map<String, File> files = new LinkedHashMap<>();
    if (v.getConfigMap() != null) {
      var src = v.getConfigMap();
      int mode = src.getDefaultMode() == null ? DEFAULT_MODE : src.getDefaultMode();
      configMapFiles(view.configMap(ns, src.getName()), ns, src.getName(), src.getItems(), src.getOptional(), mode, v, files);
    } else if (v.getSecret() != null) {
      var src = v.getSecret();
      int mode = src.getDefaultMode() == null ? DEFAULT_MODE : src.getDefaultMode();
      secretFiles(view.secret(ns, src.getSecretName()), ns, src.getSecretName(), src.getItems(), src.getOptional(), mode, v, files);
    } else if (v.getDownwardAPI() != null) {
      int mode = v.getDownwardAPI().getDefaultMode() == null ? DEFAULT_MODE : v.getDownwardAPI().getDefaultMode();
      downwardFiles(pod, v.getDownwardAPI().getItems(), podIp, mode, files);
    } else if (v.getProjected() != null) {
      int mode = v.getProjected().getDefaultMode() == null ? DEFAULT_MODE : v.getProjected().getDefaultMode();
      for (VolumeProjection p : v.getProjected().getSources()) {
        if (p.getConfigMap() != null) {
          var src = p.getConfigMap();
          configMapFiles(view.configMap(ns, src.getName()), ns, src.getName(), src.getItems(), src.getOptional(), mode, v, files);
        } else if (p.getSecret() != null) {
          var src = p.getSecret();
          secretFiles(view.secret(ns, src.getName()), ns, src.getName(), src.getItems(), src.getOptional(), mode, v, files);
        } else if (p.getDownwardAPI() != null) {
          downwardFiles(pod, p.getDownwardAPI().getItems(), podIp, mode, files);
        } else if (p.getServiceAccountToken() != null) {
          // Processes talk to the local API through KUBECONFIG; the token only has to exist.
          files.put(p.getServiceAccountToken().getPath(), new File("cairn-local".getBytes(StandardCharsets.UTF_8), mode));
        }
      }
    }
    return files;
  }

  private static void configMapFiles(Optional<ConfigMap> cm, String ns, String name, List<KeyToPath> items,
      Boolean optional, int mode, Volume v, Map<String, File> out) throws ClusterView.ConfigException {
    if (cm.isEmpty()) {
      if (Boolean.TRUE.equals(optional)) {
        return;
      }
      throw new ClusterView.ConfigException("ContainerCreating",
          "ConfigMap " + ns + "/" + name + " for volume " + v.getName() + " does not exist");
    }
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (cm.get().getData() != null) {
      cm.get().getData().forEach((k, val) -> data.put(k, (val == null ? "" : val).getBytes(StandardCharsets.UTF_8)));
    }
    if (cm.get().getBinaryData() != null) {
      cm.get().getBinaryData().forEach((k, val) -> data.put(k, Base64.getMimeDecoder().decode(val == null ? "" : val)));
    }
    keyFiles(data, items, mode, "ConfigMap " + ns + "/" + name, optional, out);
  }

  private static void secretFiles(Optional<Secret> s, String ns, String name, List<KeyToPath> items,
      Boolean optional, int mode, Volume v, Map<String, File> out) throws ClusterView.ConfigException {
    if (s.isEmpty()) {
      if (Boolean.TRUE.equals(optional)) {
        return;
      }
      throw new ClusterView.ConfigException("ContainerCreating",
          "Secret " + ns + "/" + name + " for volume " + v.getName() + " does not exist");
    }
    keyFiles(ContainerLaunch.secretData(s.get()), items, mode, "Secret " + ns + "/" + name, optional, out);
  }

  private static void keyFiles(Map<String, byte[]> data, List<KeyToPath> items, int mode, String what,
      Boolean optional, Map<String, File> out) throws ClusterView.ConfigException {
    if (items == null || items.isEmpty()) {
      data.forEach((k, val) -> out.put(k, new File(val, mode)));
      return;
    }
    for (KeyToPath item : items) {
      byte[] val = data.get(item.getKey());
      if (val == null) {
        if (Boolean.TRUE.equals(optional)) {
          continue;
        }
        throw new ClusterView.ConfigException("ContainerCreating", "key " + item.getKey() + " not found in " + what);
      }
      out.put(item.getPath(), new File(val, item.getMode() == null ? mode : item.getMode()));
    }
  }

  private static void downwardFiles(Pod pod, List<DownwardAPIVolumeFile> items, String podIp, int mode,
      Map<String, File> out) throws ClusterView.ConfigException {
    if (items == null) {
      return;
    }
    for (DownwardAPIVolumeFile item : items) {
      if (item.getFieldRef() != null) {
        String value = ContainerLaunch.field(pod, item.getFieldRef(), podIp);
        out.put(item.getPath(), new File(value.getBytes(StandardCharsets.UTF_8), item.getMode() == null ? mode : item.getMode()));
      }
    }
  }

  /** Makes {@code dir} hold exactly {@code files}; returns whether anything changed. */
  static boolean sync(Path dir, Map<String, File> files) {
    boolean changed = false;
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, File> e : files.entrySet()) {
        Path target = dir.resolve(e.getKey()).normalize();
        if (!target.startsWith(dir)) {
          throw new IllegalArgumentException("volume file path " + e.getKey() + " leaves the volume directory");
        }
        byte[] content = e.getValue().content();
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) {
          continue;
        }
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.write(tmp, content);
        setMode(tmp, e.getValue().mode());
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        changed = true;
      }
      Set<Path> wanted = files.keySet().stream().map(k -> dir.resolve(k).normalize()).collect(Collectors.toSet());
      List<Path> stale;
      try (Stream<Path> walk = Files.walk(dir)) {
        stale = walk.filter(Files::isRegularFile).filter(p -> !wanted.contains(p)).collect(Collectors.toList());
      }
      for (Path p : stale) {
        Files.deleteIfExists(p);
        changed = true;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write volume files into " + dir, e);
    }
    return changed;
  }

  private static void setMode(Path p, int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(order[i]);
      }
    }
    // The runner rewrites these files later: it must keep write access to its own copies.
    perms.add(PosixFilePermission.OWNER_READ);
    perms.add(PosixFilePermission.OWNER_WRITE);
    try {
      Files.setPosixFilePermissions(p, perms);
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: modes are advisory locally.
    }
  }
}
