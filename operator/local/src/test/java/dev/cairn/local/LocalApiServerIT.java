package dev.cairn.local;

import dev.cairn.testkit.Kubectl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The real kubectl against the local API server, through the kubeconfig it writes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalApiServerIT {

  private Path dir;
  private LocalApiServer api;
  private Kubectl kubectl;

  @BeforeAll
  void start() throws Exception {
    dir = TestDirs.create(LocalApiServerIT.class, "kubectl");
    api = LocalApiServer.start(0);
    Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
    kubectl = new Kubectl(kubeconfig, Files.createDirectories(dir.resolve("cache")));
  }

  @AfterAll
  void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void listsEveryKindLocalModeShows() {
    String out = kubectl.ok("get", "etcd,pods,leases,etcdsnap", "-A");
    assertTrue(out.contains("No resources found"), out);
    String resources = kubectl.ok("api-resources");
    assertTrue(Pattern.compile("etcds\\s+etcd\\s+cairn.dev/v1alpha1\\s+true\\s+Etcd").matcher(resources).find(), resources);
    assertTrue(resources.contains("statefulsets"), resources);
    assertTrue(kubectl.ok("get", "ns").contains("default"));
  }

  @Test
  void appliesChangesAndDeletesACustomResource() throws Exception {
    Path v1 = write("etcd-v1.yaml", """
        apiVersion: cairn.dev/v1alpha1
        kind: Etcd
        metadata:
          name: demo
          namespace: default
        spec:
          replicas: 3
          storage: {capacity: 1Gi}
        """);
    Path v2 = write("etcd-v2.yaml", Files.readString(v1).replace("replicas: 3", "replicas: 5"));

    assertTrue(kubectl.ok("apply", "-f", v1.toString()).contains("etcd.cairn.dev/demo created"));
    assertTrue(kubectl.ok("apply", "-f", v2.toString()).contains("etcd.cairn.dev/demo configured"),
        "a re-apply is a merge patch");
    String yaml = kubectl.ok("get", "etcd", "demo", "-o", "yaml");
    assertTrue(yaml.contains("replicas: 5"), yaml);
    assertTrue(yaml.contains("generation: 2"), yaml);

    assertTrue(kubectl.ok("scale", "etcd", "demo", "--replicas=4").contains("scaled"), "the scale subresource");
    assertEquals("4", kubectl.ok("get", "etcd", "demo", "-o", "jsonpath={.spec.replicas}").trim());
    kubectl.ok("apply", "-f", v2.toString());

    String table = kubectl.ok("get", "etcd");
    assertTrue(Pattern.compile("NAME\\s+AGE\\s+DESIRED\\s+READY\\s+BACKUP\\s+QUORATE\\s+MEMBERS").matcher(table).find(),
        "the CRD's printer columns: " + table);
    assertTrue(Pattern.compile("demo\\s+\\S+\\s+5").matcher(table).find(), table);

    // A JSON patch that replaces a field the stored object lacks is refused as invalid (422), as a real
    // API server refuses it, not answered with an internal error.
    Kubectl.Result badPatch = kubectl.run("patch", "etcd", "demo", "--type=json",
        "-p", "[{\"op\":\"replace\",\"path\":\"/spec/no/such/field\",\"value\":1}]");
    assertNotEquals(0, badPatch.exitCode());
    assertTrue(badPatch.output().contains("does not apply") && !badPatch.output().contains("InternalError"),
        badPatch.output());

    assertTrue(kubectl.ok("delete", "-f", v1.toString()).contains("deleted"));
    Kubectl.Result gone = kubectl.run("get", "etcd", "demo");
    assertNotEquals(0, gone.exitCode());
    assertTrue(gone.output().contains("NotFound") || gone.output().contains("not found"), gone.output());
  }

  @Test
  void createsReappliesAndDeletesBuiltInObjects() throws Exception {
    Path cm1 = write("cm-v1.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: default}
        data: {mode: one}
        """);
    Path cm2 = write("cm-v2.yaml", Files.readString(cm1).replace("mode: one", "mode: two"));
    assertTrue(kubectl.ok("apply", "-f", cm1.toString()).contains("configmap/settings created"));
    assertTrue(kubectl.ok("apply", "-f", cm2.toString()).contains("configmap/settings configured"),
        "a strategic merge patch without lists is applied as a merge patch");
    assertEquals("two", kubectl.ok("get", "configmap", "settings", "-o", "jsonpath={.data.mode}").trim());
    assertTrue(kubectl.ok("delete", "configmap", "settings").contains("deleted"));

    // Typed create commands send protobuf, which only a real API server reads: a clear refusal.
    Kubectl.Result typed = kubectl.run("create", "configmap", "typed", "--from-literal=a=b");
    assertNotEquals(0, typed.exitCode());
    assertTrue(typed.output().contains("accepts JSON only") && typed.output().contains("apply -f"), typed.output());
  }

  @Test
  void answersHealthAndRefusesWhatItDoesNotServe() throws Exception {
    assertEquals("ok", kubectl.ok("get", "--raw", "/readyz").trim());
    Kubectl.Result logs = kubectl.run("logs", "nothing-here");
    assertNotEquals(0, logs.exitCode());
    Kubectl.Result raw = kubectl.run("get", "--raw", "/no/such/path");
    assertNotEquals(0, raw.exitCode());
    assertTrue(raw.output().contains("does not serve /no/such/path"), raw.output());
    // A pod proxy path used to reach the CRUD store, which answers what it cannot parse with every
    // object it holds (Secrets included).
    kubectl.ok("create", "-f", write("secret.yaml", """
        apiVersion: v1
        kind: Secret
        metadata: {name: proxy-probe, namespace: default}
        stringData: {token: do-not-show}
        """).toString());
    Kubectl.Result proxy = kubectl.run("get", "--raw", "/api/v1/namespaces/default/pods/m-0/proxy/member/status");
    assertNotEquals(0, proxy.exitCode());
    assertTrue(proxy.output().contains("does not serve") && !proxy.output().contains("proxy-probe"), proxy.output());
  }

  @Test
  void showsPodsWithStatusColumns() {
    Pod pod = Serialization.unmarshal("""
        apiVersion: v1
        kind: Pod
        metadata: {name: shown, namespace: default}
        spec:
          containers: [{name: a, image: x}, {name: b, image: y}]
        status:
          phase: Running
          podIP: 127.1.0.9
          containerStatuses:
          - {name: a, ready: true, restartCount: 2, image: x, imageID: '', state: {running: {startedAt: '2024-01-01T00:00:00Z'}}}
          - {name: b, ready: false, restartCount: 1, image: y, imageID: '', state: {waiting: {reason: CrashLoopBackOff}}}
        """, Pod.class);
    api.client().pods().inNamespace("default").resource(pod).create();
    String out = kubectl.ok("get", "pods", "-o", "wide");
    assertTrue(Pattern.compile("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\s+IP\\s+NODE").matcher(out).find(), out);
    assertTrue(Pattern.compile("shown\\s+1/2\\s+CrashLoopBackOff\\s+3\\s+\\S+\\s+127\\.1\\.0\\.9").matcher(out).find(), out);
    api.client().pods().inNamespace("default").withName("shown").delete();
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }
}
