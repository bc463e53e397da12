package dev.cairn.packaging;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Fabric8's CRUD mock API server on loopback that records what one client does: every request
 * carrying {@link #OPERATOR_TOKEN} is turned into the attributes an RBAC authorizer would judge.
 * The test's own requests use another token and are not recorded.
 */
final class RecordingApiServer implements AutoCloseable {

  /** The bearer token of the operator's kubeconfig: requests with it are the operator's. */
  static final String OPERATOR_TOKEN = "cairn-operator-under-test";

  private final KubernetesMockServer server;
  private final Recorder recorder;
  private final KubernetesClient client;

  private RecordingApiServer(KubernetesMockServer server, Recorder recorder) {
    this.server = server;
    this.recorder = recorder;
    Config cfg = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withOauthToken("test-admin")
        .withNamespace("default").withRequestRetryBackoffLimit(0).build();
    this.client = new KubernetesClientBuilder().withConfig(cfg).build();
  }

  static RecordingApiServer start() {
    Recorder recorder = new Recorder();
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), recorder, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return new RecordingApiServer(server, recorder);
  }

  /** An administrator's client (not recorded). */
  KubernetesClient client() {
    return client;
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** A kubeconfig for the operator, with the recorded token. */
  Path writeOperatorKubeconfig(Path file) {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: recording
          cluster:
            server: %s
        users:
        - name: cairn-operator
          user:
            token: %s
        contexts:
        - name: recording
          context:
            cluster: recording
            user: cairn-operator
        current-context: recording
        """.formatted(url(), OPERATOR_TOKEN);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The operator's requests so far, in order. */
  List<RequestAttributes> recorded() {
    synchronized (recorder.seen) {
      return new ArrayList<>(recorder.seen);
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.destroy();
    }
  }

  private static final class Recorder extends KubernetesCrudDispatcher {
    private final List<RequestAttributes> seen = new ArrayList<>();

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String auth = request.getHeader("Authorization");
      if (auth != null && auth.equals("Bearer " + OPERATOR_TOKEN)) {
        synchronized (seen) {
          seen.add(RequestAttributes.of(request.getMethod(), request.getPath()));
        }
      }
      return super.dispatch(request);
    }
  }
}
