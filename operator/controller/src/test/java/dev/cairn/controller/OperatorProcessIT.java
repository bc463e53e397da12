package dev.cairn.controller;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.testing.FakeAgentClient;
import dev.cairn.controller.testing.FakeCluster;
import dev.cairn.controller.testing.FakeEtcdAdmin;
import dev.cairn.controller.testing.Harness;
import dev.cairn.testkit.ApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The operator as a process: leader election, /metrics, /healthz, /readyz, graceful stop. */
class OperatorProcessIT {

  private static CairnOperator operator(ApiServer api, FakeCluster cluster, String identity) {
    return CairnOperator.builder(api.newClient())
        .config(Harness.testConfig().build())
        .etcdAdmin(new FakeEtcdAdmin(cluster))
        .agentClient(new FakeAgentClient())
        .identity(identity)
        .http(new InetSocketAddress("127.0.0.1", 0))
        .leaderElection(new CairnOperator.LeaderElection("cairn-operator", NS, false,
            Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200)))
        .build();
  }

  private static HttpResponse<String> get(CairnOperator op, String path) throws Exception {
    InetSocketAddress a = op.httpAddress();
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String holder(ApiServer api) {
    Lease l = api.client().leases().inNamespace(NS).withName("cairn-operator").get();
    return l == null ? null : l.getSpec().getHolderIdentity();
  }

  @Test
  void oneLeaderReconcilesServesMetricsAndHandsOverWhenStopped() throws Exception {
    try (ApiServer api = ApiServer.start(); FakeCluster cluster = new FakeCluster(api.client(), NS)) {
      CairnOperator a = operator(api, cluster, "op-a").start();
      await("op-a to lead", () -> "op-a".equals(holder(api)));
      CairnOperator b = operator(api, cluster, "op-b").start();
      try {
        api.client().resources(Etcd.class).inNamespace(NS).resource(Harness.etcd("led")).create();
        await("the cluster up", () -> {
          Etcd e = api.client().resources(Etcd.class).inNamespace(NS).withName("led").get();
          return e.getStatus() != null && e.getStatus().getReadyReplicas() == 3;
        });
        assertEquals(0, b.passes(), "the standby does not reconcile");
        assertTrue(a.leading() && !b.leading());
        assertEquals(200, get(a, "/healthz").statusCode());
        assertEquals(200, get(a, "/readyz").statusCode());
        assertEquals(200, get(b, "/readyz").statusCode(), "a standby is ready to take over");
        String metrics = get(a, "/metrics").body();
        for (String m : new String[] {"cairn_operator_reconciles_total", "cairn_operator_reconcile_duration_seconds",
            "cairn_operator_queue_depth", "cairn_operator_writes_total", "jvm_memory_used_bytes"}) {
          assertTrue(metrics.contains(m), m + " in /metrics");
        }
        assertTrue(metrics.contains("kind=\"Etcd\""), "metrics by kind");
        assertEquals(404, get(a, "/nope").statusCode());

        a.close();
        await("op-b to take over", () -> "op-b".equals(holder(api)));
        api.client().resources(Etcd.class).inNamespace(NS).withName("led").edit(e -> {
          e.getSpec().setReplicas(4);
          return e;
        });
        await("the new leader to act", () -> api.client().apps().statefulSets().inNamespace(NS).withName("led").get()
            .getSpec().getReplicas() == 4);
        assertTrue(b.passes() > 0 && b.leading());
      } finally {
        a.close();
        b.close();
      }
    }
  }
}
