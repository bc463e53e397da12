package dev.cairn.local;

import dev.cairn.testkit.Kubectl;
import dev.cairn.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.SecretKeys;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The whole local cluster on one work directory: API, S3 store, pod runner and garbage collector
 * together, then a stop and a start on the same directory that resumes with the data.
 */
class LocalClusterIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void runsStopsAndResumesWithItsData() throws Exception {
    Path work = TestDirs.create(LocalClusterIT.class, "work");
    int subnet = TestSubnets.next();
    Path manifests = Files.writeString(work.resolveSibling(work.getFileName() + "-etcd.yaml"),
        EtcdStatefulSets.yaml("default", "etcd", 1, "OrderedReady") + """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: etcd-client}
        spec:
          selector: {app: etcd}
          ports: [{name: client, port: 2379}]
        """);
    LocalCluster.Options options = new LocalCluster.Options(work).apiPort(0).s3Port(0)
        .podRunner(b -> b.program("etcd", Prerequisites.etcd()).podSubnet(subnet));

    String ip;
    try (LocalCluster cluster = LocalCluster.start(options)) {
      assertTrue(Files.readString(cluster.kubeconfig()).contains(cluster.api().url()));
      assertEquals(1, cluster.client().nodes().list().getItems().size(), "a node, for kubectl get nodes");
      Secret s3Secret = cluster.client().secrets().inNamespace("default").withName(LocalS3.SECRET_NAME).get();
      assertEquals(LocalS3.ACCESS_KEY, decode(s3Secret.getData().get(SecretKeys.S3_ACCESS_KEY_ID)));
      assertEquals(LocalS3.SECRET_KEY, decode(s3Secret.getData().get(SecretKeys.S3_SECRET_ACCESS_KEY)));
      assertTrue(Files.readString(cluster.s3().credentialsFile()).contains("S3_BUCKET=" + LocalS3.BUCKET));
      s3(cluster).putObject(PutObjectArgs.builder().bucket(LocalS3.BUCKET).object("snapshots/one")
          .stream(new ByteArrayInputStream("full".getBytes(StandardCharsets.UTF_8)), 4, -1).build());

      assertEquals(2, cluster.apply(manifests).size());
      ip = awaitReady(cluster);
      EtcdHttp.put(ip, "resume", "kept");
      Kubectl kubectl = new Kubectl(cluster.kubeconfig(), Files.createDirectories(work.resolveSibling(work.getFileName() + "-kubectl")));
      String logs = kubectl.ok("logs", "etcd-0", "--tail=200");
      assertTrue(logs.contains("ready to serve client requests"), "kubectl logs reads the container's log file: " + logs);
      Await.until("the Service name points at the ready pod", WAIT, () -> {
        try {
          return Files.readString(cluster.podRunner().hostsFile())
              .contains(ip + " etcd-client.default.svc.cluster.local etcd-client.default.svc etcd-client.default");
        } catch (java.io.IOException e) {
          return false;
        }
      });

      // The API server has no garbage collector of its own; local mode adds one.
      ConfigMap owner = cluster.client().configMaps().inNamespace("default")
          .resource(new ConfigMapBuilder().withNewMetadata().withName("owner").endMetadata().build()).create();
      cluster.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
          .withName("dependent").addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName("owner")
          .withUid(owner.getMetadata().getUid()).endOwnerReference().endMetadata().build()).create();
      cluster.client().configMaps().inNamespace("default").withName("owner").delete();
      Await.until("the dependent of a deleted owner collected", WAIT,
          () -> cluster.client().configMaps().inNamespace("default").withName("dependent").get() == null);

      IllegalStateException second = assertThrows(IllegalStateException.class, () -> LocalCluster.start(options));
      assertTrue(second.getMessage().contains("another local cluster is running on " + work), second.getMessage());
    }
    assertFalse(Files.exists(work.resolve("pods/default/etcd-0/etcd.pid")), "no process left running");

    try (LocalCluster cluster = LocalCluster.start(options)) {
      assertTrue(cluster.client().apps().statefulSets().inAnyNamespace().list().getItems().isEmpty(),
          "the API starts empty");
      cluster.apply(manifests);
      assertEquals(ip, awaitReady(cluster), "the pod gets its address back");
      assertEquals("kept", EtcdHttp.get(ip, "resume"), "the member's data was kept across the restart");
      try (var in = s3(cluster).getObject(GetObjectArgs.builder().bucket(LocalS3.BUCKET).object("snapshots/one").build())) {
        assertEquals("full", new String(in.readAllBytes(), StandardCharsets.UTF_8), "the store kept its objects");
      }
    }
  }

  private static String awaitReady(LocalCluster cluster) {
    Await.until("etcd-0 Running and Ready", WAIT, () -> {
      Pod p = cluster.client().pods().inNamespace("default").withName("etcd-0").get();
      return p != null && Pods.isRunningAndReady(p);
    });
    return cluster.client().pods().inNamespace("default").withName("etcd-0").get().getStatus().getPodIP();
  }

  private static MinioClient s3(LocalCluster cluster) {
    return MinioClient.builder().endpoint(cluster.s3().endpoint().toString()).region(LocalS3.REGION)
        .credentials(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY).build();
  }

  private static String decode(String b64) {
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
  }
}
