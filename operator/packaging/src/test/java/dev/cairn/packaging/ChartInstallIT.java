package dev.cairn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.controller.model.Names;
import dev.cairn.testkit.Ports;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chart installed on an API server and the operator run from it: every object the chart renders
 * (default values, CRDs included) is created on a recording CRUD mock API server; {@code cairn
 * operator} is started as its own process with the command, arguments and environment of the
 * rendered Deployment; the samples in deploy/samples are applied and must be reconciled. Every request
 * the operator made is then judged against the chart's ClusterRole: nothing it did may be refused,
 * and nothing the role grants may go unused (least privilege).
 *
 * <p>The operator serves its probes on loopback here (the chart's 0.0.0.0 is replaced), and S3
 * endpoints of the samples point at an S3Proxy on loopback.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartInstallIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String POD_NAME = "cairn-operator-7d9f-abcde";

  /**
   * Grants the run below cannot reach, each with the code path that needs it. Anything the role grants
   * that is neither used in the run nor listed here fails {@link #theRoleGrantsNothingUnused}.
   */
  static final Map<String, String> NEEDED_BEYOND_THE_RUN = new TreeMap<>(Map.ofEntries(
      Map.entry("update cairn.dev etcds/finalizers", "no request: the OwnerReferencesPermissionEnforcement admission"
          + " plugin demands it for the blockOwnerDeletion owner references on every child (ManagedMetadata)"),
      Map.entry("create cairn.dev etcdopstasks", "TaskTriggers: automatic recovery creates a RecoverQuorum task"
          + " after quorum has been lost for the grace period"),
      Map.entry("patch cairn.dev etcdopstasks", "TaskRun: an admitted task records its plan in an annotation"),
      Map.entry("delete cairn.dev etcdopstasks", "TaskReconciler: a finished task is deleted after ttlSecondsAfterFinished"),
      Map.entry("get cairn.dev etcdsnapshots", "Admission and Steps: a Restore names the snapshot record it restores"),
      Map.entry("create cairn.dev etcdsnapshots", "CatalogSync: a new snapshot in the store gets its record"),
      Map.entry("patch cairn.dev etcdsnapshots", "CatalogSync: a record's protection annotations follow the store"),
      Map.entry("delete cairn.dev etcdsnapshots", "CatalogSync: a record whose object left the store is deleted"),
      Map.entry("patch cairn.dev etcdsnapshots/status", "CatalogSync and SnapshotReconciler: record status"),
      Map.entry("get core pods", "AgentRbac grants the agents pods get: the operator must hold it to create their Role"),
      Map.entry("delete core pods", "EtcdReconciler.restart: a rolling update deletes one member pod at a time"),
      Map.entry("update core persistentvolumeclaims", "EtcdReconciler: volumes grow with spec.storage.capacity"),
      Map.entry("delete core persistentvolumeclaims", "ClusterOps: RecoverQuorum and Restore wipe members' volumes")));

  private static Path dir;
  private static RecordingApiServer api;
  private static S3Server s3;
  private static Process operator;
  private static Path operatorLog;
  private static int httpPort;
  private static List<ObjectNode> rendered;
  private static ObjectNode deployment;
  private static ObjectNode container;

  @BeforeAll
  static void install() throws Exception {
    dir = TestDirs.create(ChartInstallIT.class, "install");
    api = RecordingApiServer.start();
    s3 = S3Server.start(dir.resolve("s3"));
    rendered = Chart.render();
    KubernetesClient c = api.client();
    // helm install --create-namespace
    c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(Chart.NAMESPACE).endMetadata().build()).create();
    for (ObjectNode o : rendered) {
      for (HasMetadata item : c.load(new ByteArrayInputStream(Manifests.JSON.writeValueAsBytes(o))).items()) {
        assertFalse(item instanceof GenericKubernetesResource,
            "the client does not know the kind of " + Manifests.key(o) + ": the chart renders a kind it cannot apply");
        c.resource(item).create();
      }
    }
    deployment = Manifests.one(rendered, "Deployment").orElseThrow();
    container = (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0);
    operator = startOperator();
    await("the operator to answer on /readyz at 127.0.0.1:" + httpPort, () -> httpStatus(probePath("readinessProbe")) == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      stopOperator();
    } finally {
      if (s3 != null) {
        s3.close();
      }
      if (api != null) {
        api.close();
      }
      if (dir != null) {
        TestDirs.deleteRecursively(dir.resolve("s3"));
      }
    }
  }

  /** {@code cairn operator} with the rendered Deployment's command, arguments and environment. */
  private static Process startOperator() throws IOException {
    List<String> command = new ArrayList<>();
    container.path("command").forEach(n -> command.add(n.asText()));
    assertEquals("cairn", command.get(0), "the Deployment must run the image's cairn launcher");
    httpPort = Ports.free();
    List<String> cli = new ArrayList<>(command.subList(1, command.size()));
    boolean addressSeen = false;
    for (JsonNode a : container.path("args")) {
      String arg = a.asText();
      if (arg.startsWith("--http-address=")) {
        // Tests listen on loopback only; the port must be the one the probes use.
        assertEquals("--http-address=0.0.0.0:" + containerPort("http"), arg);
        arg = "--http-address=127.0.0.1:" + httpPort;
        addressSeen = true;
      }
      cli.add(arg);
    }
    assertTrue(addressSeen, "the Deployment must pass --http-address");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-Dlogback.configurationFile=" + cliLogbackConfig(), "-cp", System.getProperty("java.class.path"),
        "dev.cairn.cli.Main"));
    cmd.addAll(cli);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("CAIRN_") || k.equals("POD_NAME") || k.equals("POD_NAMESPACE"));
    for (JsonNode e : container.path("env")) {
      String name = e.path("name").asText();
      if (e.has("value")) {
        env.put(name, e.path("value").asText());
      } else {
        String field = e.path("valueFrom").path("fieldRef").path("fieldPath").asText();
        env.put(name, switch (field) {
          case "metadata.name" -> POD_NAME;
          case "metadata.namespace" -> Chart.NAMESPACE;
          default -> throw new AssertionError("env " + name + " comes from " + e + ", which this test cannot play");
        });
      }
    }
    env.put("KUBECONFIG", api.writeOperatorKubeconfig(dir.resolve("kubeconfig")).toString());
    operatorLog = dir.resolve("operator.log");
    pb.redirectErrorStream(true).redirectOutput(operatorLog.toFile());
    return pb.start();
  }

  /** The logback.xml the cairn jar ships (the test class path also holds this module's logback-test.xml). */
  private static String cliLogbackConfig() throws IOException {
    var urls = java.util.Collections.list(ChartInstallIT.class.getClassLoader().getResources("logback.xml"));
    return urls.stream().map(java.net.URL::toString).filter(u -> u.contains("cairn-cli") || u.contains("operator/cli"))
        .findFirst().orElseThrow(() -> new AssertionError("the cairn CLI's logback.xml is not on the class path: " + urls));
  }

  private static void stopOperator() throws InterruptedException {
    if (operator != null && operator.isAlive()) {
      operator.destroy(); // SIGTERM: graceful stop, as the kubelet does
      if (!operator.waitFor(60, TimeUnit.SECONDS)) {
        operator.destroyForcibly();
        operator.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static int containerPort(String name) {
    for (JsonNode p : container.path("ports")) {
      if (name.equals(p.path("name").asText())) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError("the operator container has no port named " + name);
  }

  private static String probePath(String probe) {
    JsonNode get = container.path(probe).path("httpGet");
    assertEquals("http", get.path("port").asText(), probe + " must use the http port");
    return get.path("path").asText();
  }

  private static int httpStatus(String path) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void await(String what, Supplier<Boolean> condition) {
    Instant end = Instant.now().plus(WAIT);
    while (Instant.now().isBefore(end)) {
      if (!operator.isAlive()) {
        fail("the operator exited with " + operator.exitValue() + " while waiting for " + what + "; its log: "
            + tail(operatorLog));
      }
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return;
        }
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (RuntimeException e) {
        // not there yet
      }
    }
    fail("timed out after " + WAIT.toSeconds() + " s waiting for " + what + "; the operator's log: " + tail(operatorLog));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Test
  @Order(1)
  void everyRenderedObjectIsOnTheApiServer() {
    KubernetesClient c = api.client();
    for (ObjectNode o : rendered) {
      HasMetadata item;
      try {
        item = c.load(new ByteArrayInputStream(Manifests.JSON.writeValueAsBytes(o))).items().get(0);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      assertNotNull(c.resource(item).get(), Manifests.key(o) + " was not created");
    }
  }

  @Test
  @Order(2)
  void probesPointAtEndpointsTheOperatorServes() {
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertEquals(200, httpStatus(probePath(probe)), probe + " " + probePath(probe));
    }
    assertEquals(200, httpStatus("/metrics"), "the metrics Service scrapes /metrics");
  }

  @Test
  @Order(3)
  void theReplicaTakesTheLeaderLeaseTheChartNames() {
    String name = null;
    for (JsonNode a : container.path("args")) {
      if (a.asText().startsWith("--leader-election-lease=")) {
        name = a.asText().substring("--leader-election-lease=".length());
      }
    }
    assertNotNull(name, "the chart enables leader election with a Lease name");
    String leaseName = name;
    await("the leader Lease " + Chart.NAMESPACE + "/" + leaseName + " held by " + POD_NAME, () -> {
      Lease l = api.client().leases().inNamespace(Chart.NAMESPACE).withName(leaseName).get();
      return l != null && POD_NAME.equals(l.getSpec().getHolderIdentity());
    });
  }

  @Test
  @Order(10)
  void everySampleIsReconciled() throws IOException {
    List<HasMetadata> applied = applySamples("etcd-");
    List<Etcd> etcds = applied.stream().filter(o -> o.getKind().equals("Etcd"))
        .map(o -> api.client().resources(Etcd.class).inNamespace(o.getMetadata().getNamespace())
            .withName(o.getMetadata().getName()).get())
        .toList();
    assertTrue(etcds.size() >= 4, "deploy/samples holds the single, three-member S3/TLS, local and auto-recovery"
        + " samples; applied " + applied.stream().map(o -> o.getKind() + " " + o.getMetadata().getName()).toList());
    for (Etcd e : etcds) {
      String ns = e.getMetadata().getNamespace();
      String n = e.getMetadata().getName();
      await("Etcd " + ns + "/" + n + " to get its StatefulSet and a status for its generation", () -> {
        Etcd now = api.client().resources(Etcd.class).inNamespace(ns).withName(n).get();
        return api.client().apps().statefulSets().inNamespace(ns).withName(Names.statefulSet(now)).get() != null
            && now.getStatus() != null
            && now.getMetadata().getGeneration().equals(now.getStatus().getObservedGeneration());
      });
      Role role = api.client().rbac().roles().inNamespace(ns).withName(Names.rbac(e)).get();
      assertNotNull(role, "the agents' Role of " + ns + "/" + n);
    }
  }

  @Test
  @Order(11)
  void everyTaskSampleGetsAStatus() throws IOException {
    List<HasMetadata> applied = applySamples("etcdopstask-");
    assertFalse(applied.isEmpty(), "deploy/samples holds EtcdOpsTask samples");
    for (HasMetadata t : applied) {
      String ns = t.getMetadata().getNamespace();
      String n = t.getMetadata().getName();
      await("EtcdOpsTask " + ns + "/" + n + " to get a phase", () -> {
        EtcdOpsTask now = api.client().resources(EtcdOpsTask.class).inNamespace(ns).withName(n).get();
        return now == null || (now.getStatus() != null && now.getStatus().getPhase() != null);
      });
    }
  }

  @Test
  @Order(12)
  void editedChildrenAreRepaired() {
    // Dropping the instance label is drift the operator repairs with an update of that object.
    Etcd orders = api.client().resources(Etcd.class).inNamespace("platform").withName("orders").get();
    assertNotNull(orders, "the three-member sample platform/orders");
    KubernetesClient c = api.client();
    List<io.fabric8.kubernetes.client.dsl.Resource<? extends HasMetadata>> children = List.of(
        c.apps().statefulSets().inNamespace("platform").withName(Names.statefulSet(orders)),
        c.configMaps().inNamespace("platform").withName(Names.configMap(orders)),
        c.services().inNamespace("platform").withName(Names.clientService(orders)),
        c.policy().v1().podDisruptionBudget().inNamespace("platform").withName(Names.podDisruptionBudget(orders)),
        c.serviceAccounts().inNamespace("platform").withName(Names.rbac(orders)),
        c.rbac().roles().inNamespace("platform").withName(Names.rbac(orders)),
        c.rbac().roleBindings().inNamespace("platform").withName(Names.rbac(orders)),
        c.leases().inNamespace("platform").withName(Names.memberLease(orders, 0)));
    for (var child : children) {
      HasMetadata o = child.get();
      assertNotNull(o, "a child of platform/orders");
      o.getMetadata().getLabels().remove(Labels.INSTANCE);
      c.resource(o).update();
    }
    for (var child : children) {
      await("the operator to restore the instance label of " + child.get().getKind() + " " + child.get().getMetadata().getName(),
          () -> "orders".equals(child.get().getMetadata().getLabels().get(Labels.INSTANCE)));
    }
  }

  @Test
  @Order(13)
  void aDeletedEtcdIsReleased() {
    Etcd dev = api.client().resources(Etcd.class).inNamespace("default").withName("dev").get();
    assertNotNull(dev, "the single-member sample default/dev");
    api.client().resource(dev).delete();
    await("default/dev to be gone (the operator removes its finalizer)",
        () -> api.client().resources(Etcd.class).inNamespace("default").withName("dev").get() == null);
  }

  @Test
  @Order(14)
  void logsAreJsonLines() throws IOException {
    List<String> lines = Files.readAllLines(operatorLog).stream().filter(l -> !l.isBlank()).toList();
    assertFalse(lines.isEmpty(), "the operator logged nothing");
    for (String l : lines) {
      JsonNode n;
      try {
        n = Manifests.JSON.readTree(l);
      } catch (IOException e) {
        throw new AssertionError("not a JSON log line (the chart sets CAIRN_LOG_FORMAT=json): " + l);
      }
      assertTrue(n.has("level") && n.has("message") || n.has("formattedMessage"), "a log object without level/message: " + l);
    }
  }

  @Test
  @Order(20)
  void everyRequestOfTheOperatorIsAllowedByTheChartsClusterRole() {
    Rbac role = operatorRole();
    List<RequestAttributes> seen = api.recorded();
    assertFalse(seen.isEmpty(), "no request of the operator was recorded");
    Set<String> refused = new TreeSet<>();
    role.refused(seen).forEach(a -> refused.add(a.grantKey()));
    assertTrue(refused.isEmpty(), "the operator made requests the chart's ClusterRole refuses: " + refused);
  }

  @Test
  @Order(21)
  void theRoleGrantsNothingUnused() {
    Set<String> used = new TreeSet<>();
    api.recorded().stream().filter(RequestAttributes::isResourceRequest).forEach(a -> used.add(a.grantKey()));
    Set<String> unused = new TreeSet<>(operatorRole().grants());
    unused.removeAll(used);
    unused.removeAll(NEEDED_BEYOND_THE_RUN.keySet());
    assertTrue(unused.isEmpty(), "the chart's ClusterRole grants what the operator never used (remove it, or add it to"
        + " NEEDED_BEYOND_THE_RUN with the code path that needs it): " + unused + "\nused: " + used);
  }

  @Test
  @Order(22)
  void theOperatorHoldsEverythingItGrantsTheAgents() {
    // RBAC escalation prevention: a Role can only be created by someone holding all of its permissions.
    Rbac role = operatorRole();
    List<Role> roles = api.client().rbac().roles().inAnyNamespace().list().getItems();
    assertFalse(roles.isEmpty(), "the operator created no agent Role");
    for (Role r : roles) {
      for (var rule : r.getRules()) {
        List<String> names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
            ? java.util.Collections.singletonList(null) : rule.getResourceNames();
        for (String g : rule.getApiGroups()) {
          for (String res : rule.getResources()) {
            for (String v : rule.getVerbs()) {
              for (String n : names) {
                String[] rs = res.split("/", 2);
                var a = new RequestAttributes(v, g, rs[0], rs.length > 1 ? rs[1] : null, r.getMetadata().getNamespace(), n, null);
                assertTrue(role.allows(a), "Role " + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()
                    + " grants " + a.grantKey() + " which the operator's ClusterRole lacks: the API server refuses to create it");
              }
            }
          }
        }
      }
    }
  }

  @Test
  @Order(23)
  void theBindingGivesTheRoleToTheDeploymentsServiceAccount() {
    ObjectNode binding = Manifests.one(rendered, "ClusterRoleBinding").orElseThrow();
    ObjectNode clusterRole = Manifests.one(rendered, "ClusterRole").orElseThrow();
    assertEquals(clusterRole.path("metadata").path("name").asText(), binding.path("roleRef").path("name").asText());
    JsonNode subject = binding.path("subjects").get(0);
    assertEquals("ServiceAccount", subject.path("kind").asText());
    assertEquals(deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText(),
        subject.path("name").asText());
    assertEquals(Chart.NAMESPACE, subject.path("namespace").asText());
    assertTrue(Manifests.byKey(rendered).containsKey("ServiceAccount/" + Chart.NAMESPACE + "/" + subject.path("name").asText()),
        "the chart renders the ServiceAccount it binds");
  }

  private static Rbac operatorRole() {
    return Rbac.of(Manifests.one(rendered, "ClusterRole").orElseThrow());
  }

  /**
   * Applies every object of the samples whose file name starts with {@code prefix}: their namespaces
   * first, then a Secret for each one they reference (with every key cairn reads), S3 stores pointed at
   * the loopback S3Proxy with their buckets made.
   */
  private static List<HasMetadata> applySamples(String prefix) throws IOException {
    KubernetesClient c = api.client();
    List<HasMetadata> out = new ArrayList<>();
    List<Path> files;
    try (var s = Files.list(Repo.samples())) {
      files = s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
    }
    for (Path f : files) {
      for (ObjectNode o : Manifests.parse(Files.readString(f))) {
        String ns = o.path("metadata").path("namespace").asText("default");
        if (c.namespaces().withName(ns).get() == null) {
          c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        JsonNode store = o.path("spec").path("backup").path("store");
        if (store.isObject() && "S3".equals(store.path("provider").asText())) {
          ((ObjectNode) store).put("endpoint", s3.endpoint().toString()).put("forcePathStyle", true);
          String bucket = store.path("bucket").asText();
          if (!s3.blobStore().containerExists(bucket)) {
            s3.createBucket(bucket);
          }
        }
        Set<String> secrets = new LinkedHashSet<>();
        collectSecretRefs(o, secrets);
        for (String s : secrets) {
          if (c.secrets().inNamespace(ns).withName(s).get() == null) {
            c.secrets().inNamespace(ns).resource(placeholderSecret(ns, s)).create();
          }
        }
        HasMetadata item = c.load(new ByteArrayInputStream(Manifests.JSON.writeValueAsBytes(o))).items().get(0);
        item.getMetadata().setNamespace(ns);
        if (c.resource(item).get() == null) {
          out.add(c.resource(item).create());
        }
      }
    }
    return out;
  }

  private static void collectSecretRefs(JsonNode n, Set<String> names) {
    if (n.isObject()) {
      n.fields().forEachRemaining(e -> {
        if (e.getKey().toLowerCase(java.util.Locale.ROOT).endsWith("secretref") && e.getValue().has("name")) {
          names.add(e.getValue().path("name").asText());
        } else {
          collectSecretRefs(e.getValue(), names);
        }
      });
    } else if (n.isArray()) {
      n.forEach(e -> collectSecretRefs(e, names));
    }
  }

  private static io.fabric8.kubernetes.api.model.Secret placeholderSecret(String ns, String name) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("accessKeyID", S3Server.ACCESS_KEY);
    data.put("secretAccessKey", S3Server.SECRET_KEY);
    data.put("key", "0123456789abcdef0123456789abcdef");
    data.put("token", "sample-token");
    data.put("tls.crt", "not a certificate");
    data.put("tls.key", "not a key");
    data.put("ca.crt", "not a certificate");
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withStringData(data)
        .build();
  }

}
