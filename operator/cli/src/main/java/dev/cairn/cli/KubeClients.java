package dev.cairn.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;

/**
 * The Kubernetes clients of the CLI. The classpath holds two Fabric8 HTTP client factories (Vert.x
 * from kubernetes-client, the JDK one from operator/local), and without an explicit choice Fabric8
 * picks whichever it finds first, with a warning. The operator and the agent use Vert.x.
 */
final class KubeClients {

  private KubeClients() {}

  /** A client from the usual configuration (kubeconfig, in-cluster service account), on Vert.x. */
  static KubernetesClient create() {
    return new KubernetesClientBuilder().withHttpClientFactory(new VertxHttpClientFactory()).build();
  }
}
