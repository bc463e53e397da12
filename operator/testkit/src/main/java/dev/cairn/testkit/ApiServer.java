package dev.cairn.testkit;

import dev.cairn.api.CrdFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;

/**
 * The test API server: Fabric8's mock server in CRUD mode on loopback, with cairn's generated CRDs
 * created first (so status is a real subresource), and a record of every write request so a test can
 * assert that a steady-state reconcile writes nothing.
 *
 * <p>What it does not do (see shared/design/stack.md): server-side apply, strategic merge patch,
 * ownerReference garbage collection, schema validation and defaulting, set-based selectors, and no
 * controllers: a StatefulSet never gets pods unless the test plays that part.
 */
public final class ApiServer implements AutoCloseable {

  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  private final KubernetesMockServer server;
  private final RecordingDispatcher dispatcher;
  private final KubernetesClient client;

  private ApiServer(KubernetesMockServer server, RecordingDispatcher dispatcher) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.client = server.createClient();
  }

  /** Starts on a free loopback port and creates cairn's CRDs. */
  public static ApiServer start() {
    return start(0);
  }

  /** Starts on {@code port} (0 = any free port) and creates cairn's CRDs. */
  public static ApiServer start(int port) {
    RecordingDispatcher dispatcher = new RecordingDispatcher();
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), port);
    ApiServer api = new ApiServer(server, dispatcher);
    try {
      for (String name : CrdFiles.NAMES) {
        api.client.apiextensions().v1().customResourceDefinitions().resource(crd(name)).create();
      }
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    api.resetWrites();
    return api;
  }

  private static CustomResourceDefinition crd(String name) {
    byte[] yaml = CrdFiles.read(name).getBytes(StandardCharsets.UTF_8);
    try (var in = new ByteArrayInputStream(yaml)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client for this server (shared; closed with the server). */
  public KubernetesClient client() {
    return client;
  }

  /** A fresh client, for code under test that closes its own. */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  /** Base URL, e.g. {@code http://127.0.0.1:41234}. */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public int port() {
    return server.getPort();
  }

  /** Write requests seen since the last {@link #resetWrites()}, as {@code "METHOD path"}. */
  public List<String> writes() {
    synchronized (dispatcher.writes) {
      return new ArrayList<>(dispatcher.writes);
    }
  }

  public int writeCount() {
    return writes().size();
  }

  public void resetWrites() {
    synchronized (dispatcher.writes) {
      dispatcher.writes.clear();
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

  /** The CRUD dispatcher, plus a record of writes. */
  private static final class RecordingDispatcher extends KubernetesCrudDispatcher {
    private final List<String> writes = new ArrayList<>();

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (WRITES.contains(request.getMethod())) {
        synchronized (writes) {
          writes.add(request.getMethod() + " " + request.getPath());
        }
      }
      return super.dispatch(request);
    }
  }
}
