package dev.cairn.local;

import dev.cairn.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a pod's processes see: {@code cairn} mapped to a JVM that resolves pod names through the
 * hosts file, the environment from field, Secret and ConfigMap references, {@code $(VAR)}
 * expansion, mount paths rewritten to local directories, init containers before containers, exec
 * probes, ConfigMap volumes kept up to date, and restartPolicy Never.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodProcessesIT {

  private static final String NS = "launch";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private LocalApiServer api;
  private KubernetesClient client;
  private PodRunner runner;

  @BeforeAll
  void start() {
    Path work = TestDirs.create(PodProcessesIT.class, "work");
    api = LocalApiServer.start(0);
    api.writeKubeconfig(work.resolve("kubeconfig"));
    client = api.newClient();
    // The test JVM's class path holds ProbeMain: it plays the cairn CLI here.
    runner = PodRunner.start(client, PodRunnerOptions.builder(work)
        .cairnMainClass(System.getProperty("java.class.path"), ProbeMain.class.getName())
        .podSubnet(TestSubnets.next())
        .build());
    client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("settings")
        .endMetadata().addToData("greeting", "hello").build()).create();
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("creds").endMetadata()
        .addToData("password", Base64.getEncoder().encodeToString("s3cret".getBytes(StandardCharsets.UTF_8)))
        .build()).create();
  }

  @AfterAll
  void stop() {
    if (runner != null) {
      runner.close();
    }
    if (client != null) {
      client.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void processesSeeTheirPodThroughArgsEnvFilesAndNames() throws Exception {
    client.pods().inNamespace(NS).resource(Serialization.unmarshal("""
        apiVersion: v1
        kind: Pod
        metadata: {name: peer, labels: {app: peer}}
        spec:
          hostname: peer
          subdomain: peers
          terminationGracePeriodSeconds: 2
          containers:
          - name: main
            command: [sleep, "600"]
            readinessProbe:
              exec:
                command: [test, -f, /etc/config/greeting]
              periodSeconds: 1
            volumeMounts:
            - {name: config, mountPath: /etc/config}
          volumes:
          - name: config
            configMap: {name: settings}
        """, Pod.class)).create();
    Await.until("pod peer Ready (exec readiness probe on a mounted file)", WAIT,
        () -> Pods.isRunningAndReady(pod("peer")), () -> String.valueOf(pod("peer").getStatus()));
    String peerIp = pod("peer").getStatus().getPodIP();

    client.pods().inNamespace(NS).resource(Serialization.unmarshal("""
        apiVersion: v1
        kind: Pod
        metadata: {name: probe}
        spec:
          restartPolicy: Never
          initContainers:
          - name: init
            command: [sh, -c, 'echo initialised > "$MARKER"']
            env:
            - {name: MARKER, value: /scratch/marker}
            volumeMounts:
            - {name: scratch, mountPath: /scratch}
          containers:
          - name: main
            image: ghcr.io/cairn/cairn:dev
            command: [cairn]
            args:
            - --resolve=$(PEER)
            - --resolve=localhost
            - --read=/etc/config/greeting
            - --read=/scratch/marker
            - --env=SECRET_VALUE
            - --env=POD_IP
            - --env=DATA_DIR
            - --env=KUBECONFIG
            - --env=CAIRN_LOCAL_MODE
            - --data-dir=/var/data/member
            - /var/data
            - /var/database
            - $$(NOT_EXPANDED)
            - $(UNDEFINED)
            env:
            - {name: PEER, value: peer.peers.launch.svc.cluster.local}
            - name: SECRET_VALUE
              valueFrom: {secretKeyRef: {name: creds, key: password}}
            - name: POD_IP
              valueFrom: {fieldRef: {fieldPath: status.podIP}}
            - {name: DATA_DIR, value: /var/data/$(POD_IP)}
            volumeMounts:
            - {name: config, mountPath: /etc/config}
            - {name: scratch, mountPath: /scratch}
            - {name: data, mountPath: /var/data}
          volumes:
          - name: config
            configMap: {name: settings}
          - name: scratch
            emptyDir: {}
          - name: data
            emptyDir: {}
        """, Pod.class)).create();
    Await.until("pod probe finished", WAIT, () -> List.of("Succeeded", "Failed").contains(pod("probe").getStatus().getPhase()),
        () -> String.valueOf(pod("probe").getStatus()));
    assertEquals("Succeeded", pod("probe").getStatus().getPhase(),
        () -> "the probe program failed; its log: " + readLog(runner.logFile(NS, "probe", "main")));

    Pod probe = pod("probe");
    String ip = probe.getStatus().getPodIP();
    Path podDir = runner.podDirectory(NS, "probe");
    List<String> lines = Files.readAllLines(runner.logFile(NS, "probe", "main"));
    assertTrue(lines.contains("resolve peer.peers.launch.svc.cluster.local -> " + peerIp), "pod name via the hosts file: " + lines);
    assertTrue(lines.contains("resolve localhost -> " + ip), "localhost is the pod's own address: " + lines);
    assertTrue(lines.contains("read " + podDir.resolve("volumes/config/greeting") + " -> hello"), lines.toString());
    assertTrue(lines.contains("read " + podDir.resolve("empty/scratch/marker") + " -> initialised"),
        "the init container ran first, in the same volume: " + lines);
    assertTrue(lines.contains("env SECRET_VALUE -> s3cret"), lines.toString());
    assertTrue(lines.contains("env POD_IP -> " + ip), lines.toString());
    assertTrue(lines.contains("env DATA_DIR -> " + podDir.resolve("empty/data/" + ip)), "env expanded, then rewritten: " + lines);
    assertTrue(lines.contains("env KUBECONFIG -> " + runner.options().kubeconfig()), lines.toString());
    assertTrue(lines.contains("env CAIRN_LOCAL_MODE -> true"), lines.toString());
    assertTrue(lines.contains("arg -> --data-dir=" + podDir.resolve("empty/data/member")), lines.toString());
    assertTrue(lines.contains("arg -> " + podDir.resolve("empty/data")), "a mount path itself: " + lines);
    assertTrue(lines.contains("arg -> /var/database"), "only at a path boundary: " + lines);
    assertTrue(lines.contains("arg -> $(NOT_EXPANDED)"), lines.toString());
    assertTrue(lines.contains("arg -> $(UNDEFINED)"), lines.toString());
    assertTrue(lines.get(0).startsWith("----- ") && lines.get(0).contains(" -Djdk.net.hosts.file=" + runner.podHostsFile(NS, "probe")),
        "a header line per start, showing the JVM flags: " + lines.get(0));

    var main = probe.getStatus().getContainerStatuses().get(0);
    assertEquals(0, main.getState().getTerminated().getExitCode());
    assertEquals(0, main.getRestartCount(), "restartPolicy Never");
    assertEquals(0, probe.getStatus().getInitContainerStatuses().get(0).getState().getTerminated().getExitCode());

    // Like the kubelet, the runner refreshes ConfigMap volumes of running pods.
    client.configMaps().inNamespace(NS).withName("settings").edit(cm -> new ConfigMapBuilder(cm)
        .addToData("greeting", "bonjour").build());
    Path greeting = runner.podDirectory(NS, "peer").resolve("volumes/config/greeting");
    Await.until("the peer's ConfigMap file updated", WAIT, () -> {
      try {
        return Files.readString(greeting).equals("bonjour");
      } catch (java.io.IOException e) {
        return false;
      }
    });

    String hosts = Files.readString(runner.podHostsFile(NS, "peer"));
    assertTrue(hosts.contains(peerIp + " localhost"), hosts);
    assertFalse(hosts.contains("127.0.0.1 localhost"), "in a pod, localhost is the pod's address: " + hosts);
  }

  @Test
  void aFailingLivenessProbeRestartsTheContainer() {
    client.pods().inNamespace(NS).resource(Serialization.unmarshal("""
        apiVersion: v1
        kind: Pod
        metadata: {name: unlively}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            command: [sleep, "600"]
            livenessProbe:
              exec:
                command: [test, -f, /scratch/alive]
              periodSeconds: 1
              failureThreshold: 2
            volumeMounts:
            - {name: scratch, mountPath: /scratch}
          volumes:
          - name: scratch
            emptyDir: {}
        """, Pod.class)).create();
    Await.until("the container restarted after failing its liveness probe", WAIT, () -> {
      Pod p = pod("unlively");
      return p != null && p.getStatus() != null && !p.getStatus().getContainerStatuses().isEmpty()
          && p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1;
    }, () -> String.valueOf(pod("unlively").getStatus()));
    var last = pod("unlively").getStatus().getContainerStatuses().get(0).getLastState().getTerminated();
    assertEquals("LivenessProbeFailed", last.getReason());
    assertEquals(143, last.getExitCode(), "stopped with SIGTERM");
    client.pods().inNamespace(NS).withName("unlively").delete();
  }

  private static String readLog(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private Pod pod(String name) {
    return client.pods().inNamespace(NS).withName(name).get();
  }
}
