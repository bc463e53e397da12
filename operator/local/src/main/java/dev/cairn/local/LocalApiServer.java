package dev.cairn.local;

import dev.cairn.api.CrdFiles;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The local cluster's API server: Fabric8's mock server in CRUD mode on loopback with cairn's CRDs,
 * plus the discovery and OpenAPI documents kubectl needs, and a kubeconfig file pointing at it.
 *
 * <p>It keeps objects in memory only: a restart of local mode starts from an empty API and the
 * operator rebuilds what it owns from the Etcd objects applied again; member data lives on disk.
 */
public final class LocalApiServer implements AutoCloseable {

  /** Where a pod container's output is, for {@code kubectl logs}: the file the pod runner writes. */
  public interface LogSource {
    java.util.Optional<Path> logFile(String namespace, String pod, String container);
  }

  // The mock server logs every request through java.util.logging at INFO: far too much for a server
  // that kubectl, the operator, the agents and the pod runner all talk to. Held here because JUL
  // keeps only weak references to its loggers, and a collected logger forgets its level.
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final List<ApiResource> resources;
  private final LocalApiDispatcher dispatcher;

  private LocalApiServer(KubernetesMockServer server, List<ApiResource> resources, LocalApiDispatcher dispatcher) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.resources = List.copyOf(resources);
    this.client = newClient(server);
  }

  private static KubernetesClient newClient(KubernetesMockServer server) {
    return server.createClient(new JdkHttpClientFactory());
  }

  /** A new client of this server, for a user that closes its own (the shared one is {@link #client()}). */
  public KubernetesClient newClient() {
    return newClient(server);
  }

  /** Starts on 127.0.0.1:{@code port} (0 = any free port) and installs cairn's CRDs. */
  public static LocalApiServer start(int port) {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (String name : CrdFiles.NAMES) {
      crds.add(parseCrd(CrdFiles.read(name)));
    }
    List<ApiResource> resources = new ArrayList<>(ApiResource.builtIns());
    crds.forEach(crd -> resources.add(toApiResource(crd)));
    Map<String, Subresources.ScalePaths> scalable = new HashMap<>();
    scalable.put("apps/v1/StatefulSet", new Subresources.ScalePaths(".spec.replicas", ".status.replicas", null));
    for (CustomResourceDefinition crd : crds) {
      for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
        if (v.getSubresources() != null && v.getSubresources().getScale() != null) {
          var sc = v.getSubresources().getScale();
          scalable.put(crd.getSpec().getGroup() + "/" + v.getName() + "/" + crd.getSpec().getNames().getKind(),
              new Subresources.ScalePaths(sc.getSpecReplicasPath(), sc.getStatusReplicasPath(), sc.getLabelSelectorPath()));
        }
      }
    }
    LocalApiDispatcher dispatcher = new LocalApiDispatcher(new DiscoveryDocuments(resources), resources, scalable);
    // Like a real API server, built-in kinds with a status keep it apart from the spec: an update of
    // the object leaves status alone and a status update leaves the spec alone. Without this an
    // operator's update of its StatefulSet would wipe the status the pod runner wrote.
    for (ApiResource r : ApiResource.builtIns()) {
      if (r.subresources().contains("status")) {
        dispatcher.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup(r.group())
            .withVersion(r.version()).withPlural(r.plural()).withKind(r.kind())
            .withScope(r.namespaced() ? "Namespaced" : "Cluster").withStatusSubresource(true).build());
      }
    }
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    try {
      server.init(InetAddress.getLoopbackAddress(), port);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot start the local API server on 127.0.0.1:" + port + " (" + e.getMessage()
              + "); is another local cluster running? Stop it or choose another port (0 = any free one)", e);
    }
    LocalApiServer api = new LocalApiServer(server, resources, dispatcher);
    try {
      crds.forEach(crd -> api.client.apiextensions().v1().customResourceDefinitions().resource(crd).create());
      // A real cluster always has these; kubectl get ns and namespaced defaults expect them.
      for (String ns : List.of("default", "kube-system")) {
        api.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
            .withNewStatus().withPhase("Active").endStatus().build()).create();
      }
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    return api;
  }

  static CustomResourceDefinition parseCrd(String yaml) {
    try (var in = new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ApiResource toApiResource(CustomResourceDefinition crd) {
    var spec = crd.getSpec();
    CustomResourceDefinitionVersion served =
        spec.getVersions().stream().filter(CustomResourceDefinitionVersion::getStorage).findFirst()
            .orElse(spec.getVersions().get(0));
    List<String> sub = new ArrayList<>();
    if (served.getSubresources() != null) {
      if (served.getSubresources().getStatus() != null) {
        sub.add("status");
      }
      if (served.getSubresources().getScale() != null) {
        sub.add("scale");
      }
    }
    var names = spec.getNames();
    List<Tables.Column> columns = new ArrayList<>();
    if (served.getAdditionalPrinterColumns() != null) {
      served.getAdditionalPrinterColumns().forEach(c -> columns.add(new Tables.Column(c.getName(), c.getType(),
          c.getPriority() == null ? 0 : c.getPriority(), c.getJsonPath())));
    }
    return new ApiResource(
        spec.getGroup(),
        served.getName(),
        names.getPlural(),
        names.getSingular(),
        names.getKind(),
        "Namespaced".equals(spec.getScope()),
        names.getShortNames() == null ? List.of() : names.getShortNames(),
        sub,
        columns);
  }

  /**
   * Where {@code kubectl logs} finds a container's output: the pod runner's log files. Without a
   * source, log requests get a 404 saying so.
   */
  public void serveLogsFrom(LogSource source) {
    dispatcher.logSource(source);
  }

  /** The kinds this server describes in discovery: the built-in ones local mode uses and cairn's. */
  List<ApiResource> resources() {
    return resources;
  }

  /** Whether objects of this kind live in a namespace (true for kinds this server does not know). */
  public boolean isNamespaced(String apiVersion, String kind) {
    return resources.stream()
        .filter(r -> r.groupVersion().equals(apiVersion) && r.kind().equals(kind))
        .findFirst().map(ApiResource::namespaced).orElse(true);
  }

  public KubernetesClient client() {
    return client;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public int port() {
    return server.getPort();
  }

  /** Writes a kubeconfig for kubectl and every process of local mode; returns its path. */
  public Path writeKubeconfig(Path file) {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: cairn-local
          cluster:
            server: %s
        users:
        - name: cairn-local
          user:
            token: local
        contexts:
        - name: cairn-local
          context:
            cluster: cairn-local
            user: cairn-local
            namespace: default
        current-context: cairn-local
        """
            .formatted(url());
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write kubeconfig " + file, e);
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
}
