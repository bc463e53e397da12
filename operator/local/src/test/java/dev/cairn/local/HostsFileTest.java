package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostsFileTest {

  private final HostsFile hosts = new HostsFile("cluster.local", "laptop");
  private final List<HostsFile.PodName> pods = List.of(
      new HostsFile.PodName("db", "etcd-1", "etcd-1", "etcd-peer", "127.1.0.2"),
      new HostsFile.PodName("db", "etcd-0", "etcd-0", "etcd-peer", "127.1.0.1"),
      new HostsFile.PodName("db", "lonely", "lonely", null, "127.1.0.3"));
  private final List<HostsFile.ServiceName> services = List.of(
      new HostsFile.ServiceName("db", "etcd-client", List.of("127.1.0.1")),
      new HostsFile.ServiceName("other", "api", List.of("127.1.0.7", "127.1.0.8")));

  @Test
  void sharedFileNamesPodsOfAServiceAndServices() {
    assertEquals("""
        # Written by cairn local mode's pod runner; rewritten whenever pods or Services change.
        # JVMs read it through -Djdk.net.hosts.file; Go programs (etcd) never do.
        127.0.0.1 localhost localhost.localdomain laptop cairn-local
        127.1.0.1 etcd-0.etcd-peer.db.svc.cluster.local etcd-0.etcd-peer.db.svc etcd-0.etcd-peer.db etcd-0.etcd-peer
        127.1.0.2 etcd-1.etcd-peer.db.svc.cluster.local etcd-1.etcd-peer.db.svc etcd-1.etcd-peer.db etcd-1.etcd-peer
        127.1.0.1 etcd-client.db.svc.cluster.local etcd-client.db.svc etcd-client.db
        127.1.0.7 api.other.svc.cluster.local api.other.svc api.other
        127.1.0.8 api.other.svc.cluster.local api.other.svc api.other
        """, hosts.renderShared(pods, services));
  }

  @Test
  void aPodsFileGivesItLocalhostAndTheBareNamesOfItsNamespace() {
    String file = hosts.renderForPod(pods.get(1), pods, services);
    assertEquals("""
        # Written by cairn local mode's pod runner; rewritten whenever pods or Services change.
        # JVMs read it through -Djdk.net.hosts.file; Go programs (etcd) never do.
        127.1.0.1 localhost localhost.localdomain laptop etcd-0
        127.0.0.1 cairn-local
        127.1.0.1 etcd-0.etcd-peer.db.svc.cluster.local etcd-0.etcd-peer.db.svc etcd-0.etcd-peer.db etcd-0.etcd-peer
        127.1.0.2 etcd-1.etcd-peer.db.svc.cluster.local etcd-1.etcd-peer.db.svc etcd-1.etcd-peer.db etcd-1.etcd-peer
        127.1.0.1 etcd-client.db.svc.cluster.local etcd-client.db.svc etcd-client.db etcd-client
        127.1.0.7 api.other.svc.cluster.local api.other.svc api.other
        127.1.0.8 api.other.svc.cluster.local api.other.svc api.other
        """, file);
  }
}
