package dev.cairn.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Who this member is and how it is reached: the pod (env {@code POD_NAME}, {@code POD_NAMESPACE},
 * {@code POD_IP}), local mode ({@code CAIRN_LOCAL_MODE=true}), etcd's ports and TLS (the operator's
 * {@code agent.yaml}, flags override), the data dir and TLS directories (flags). Paths only come
 * from flags, never from ConfigMap content.
 *
 * @param podName the member name
 * @param namespace the pod's namespace
 * @param podIp the address etcd and the agent bind and dial; never 0.0.0.0
 * @param localMode pods are local processes: etcd (Go) cannot resolve pod DNS names, so URLs given
 *     to etcd carry the IPs the JVM resolves
 * @param cluster the Etcd resource's name
 * @param peerService the headless peer Service: {@code <pod>.<peerService>.<ns>.svc} is a member's host
 * @param clientTlsDir mounted client TLS Secret (tls.crt, tls.key, ca.crt), null without client TLS
 * @param peerTlsDir mounted peer TLS Secret, null without peer TLS
 */
public record MemberSettings(
    String podName,
    String namespace,
    String podIp,
    boolean localMode,
    String cluster,
    String peerService,
    String clusterDomain,
    int clientPort,
    int peerPort,
    Path dataDir,
    Path clientTlsDir,
    Path peerTlsDir) {

  public MemberSettings {
    if (podName == null || podName.isBlank()) {
      throw new IllegalArgumentException("no member name: set POD_NAME (the pod's name) or --member-name");
    }
    if (podIp == null || podIp.isBlank() || podIp.equals("0.0.0.0") || podIp.equals("::")) {
      throw new IllegalArgumentException("no pod IP: set POD_IP (fieldRef status.podIP); etcd binds and is dialed"
          + " on it, never on " + (podIp == null || podIp.isBlank() ? "an unset address" : podIp));
    }
    if (dataDir == null) {
      throw new IllegalArgumentException("no data dir: give --data-dir");
    }
  }

  public String clientScheme() {
    return clientTlsDir != null ? "https" : "http";
  }

  public String peerScheme() {
    return peerTlsDir != null ? "https" : "http";
  }

  /** The stable DNS name of a member of this cluster. */
  public String memberHost(String member) {
    String base = member + "." + (peerService == null || peerService.isBlank() ? cluster + "-peer" : peerService);
    if (namespace == null || namespace.isBlank()) {
      return base;
    }
    return base + "." + namespace + ".svc" + (clusterDomain == null || clusterDomain.isBlank() ? "" : "." + clusterDomain);
  }

  /** The host etcd advertises and other members dial: the DNS name, or in local mode the pod IP. */
  public String advertisedHost() {
    return localMode ? podIp : memberHost(podName);
  }

  public URI advertisePeerUrl() {
    return url(peerScheme(), advertisedHost(), peerPort);
  }

  public URI advertiseClientUrl() {
    return url(clientScheme(), advertisedHost(), clientPort);
  }

  public URI listenPeerUrl() {
    return url(peerScheme(), podIp, peerPort);
  }

  public URI listenClientUrl() {
    return url(clientScheme(), podIp, clientPort);
  }

  /** This member's own etcd, as the agent dials it. */
  public URI localClientUrl() {
    return listenClientUrl();
  }

  /**
   * A URL as etcd must see it: unchanged in a cluster (DNS works), the host replaced by the address the
   * JVM resolves in local mode (the JVM reads the pod hosts file; etcd cannot).
   */
  public URI forEtcd(URI u) throws UnknownHostException {
    if (!localMode || u.getHost() == null) {
      return u;
    }
    String ip = InetAddress.getByName(u.getHost()).getHostAddress();
    return url(u.getScheme(), ip, u.getPort());
  }

  /** A peer URL turned into the same member's client URL (same host, client port and scheme). */
  public URI clientUrlOfPeer(URI peer) {
    return url(clientScheme(), peer.getHost(), clientPort);
  }

  public static URI url(String scheme, String host, int port) {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return URI.create(scheme + "://" + h + ":" + port);
  }

  /**
   * Reads the {@code etcd:} section of the operator's {@code agent.yaml} (ports, TLS switches, peer
   * Service, cluster name); absent keys keep the defaults given.
   */
  public static Map<String, Object> readAgentYaml(Path file) throws IOException {
    if (file == null || !Files.exists(file)) {
      return Map.of();
    }
    JsonNode n = EtcdConfigTemplate.YAML.readTree(Files.readString(file));
    JsonNode e = n == null ? null : n.path("etcd");
    if (e == null || !e.isObject()) {
      return Map.of();
    }
    java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
    e.fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().isNumber() ? f.getValue().asInt()
        : f.getValue().isBoolean() ? f.getValue().asBoolean() : f.getValue().asText()));
    JsonNode agent = n.path("agent");
    if (agent.isObject() && agent.has("port")) {
      m.put("agentPort", agent.path("port").asInt());
    }
    return m;
  }
}
