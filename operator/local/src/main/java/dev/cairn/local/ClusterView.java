package dev.cairn.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/** What a pod reads from the API besides itself: the ConfigMaps and Secrets it refers to. */
interface ClusterView {

  Optional<ConfigMap> configMap(String namespace, String name);

  Optional<Secret> secret(String namespace, String name);

  /** A reference the pod needs is missing or unreadable; the container waits and retries. */
  final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    ConfigException(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    /** A Kubernetes waiting reason, e.g. {@code CreateContainerConfigError}. */
    String reason() {
      return reason;
    }
  }
}
