package dev.cairn.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders this member's etcd config file ({@code GET /config}) from the operator's template: the
 * cluster-wide keys as they are, plus what only the member knows — its name, data dir, listen URLs on
 * the pod IP, advertised URLs, the initial cluster decided at initialisation (the live members plus
 * itself, or the template's full list for a new cluster, or itself alone after a restore), the
 * initial cluster state, and the TLS file paths.
 */
public final class MemberConfigRenderer {

  private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .disable(YAMLGenerator.Feature.SPLIT_LINES)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  /** What initialisation decided about the cluster this member starts in. */
  public enum ClusterState {
    NEW("new"),
    EXISTING("existing");

    final String value;

    ClusterState(String value) {
      this.value = value;
    }

    public String value() {
      return value;
    }
  }

  /**
   * @param initialCluster member name -> peer URLs, this member included
   * @param forceNewCluster start once with --force-new-cluster (quorum recovery from surviving data)
   */
  public record Membership(ClusterState state, Map<String, List<URI>> initialCluster, boolean forceNewCluster) {
    public Membership {
      initialCluster = new LinkedHashMap<>(initialCluster);
    }

    public String initialClusterText() {
      List<String> parts = new ArrayList<>();
      initialCluster.forEach((n, urls) -> urls.forEach(u -> parts.add(n + "=" + u)));
      return String.join(",", parts);
    }
  }

  private MemberConfigRenderer() {}

  public static String render(EtcdConfigTemplate template, MemberSettings m, Membership plan) throws IOException {
    ObjectNode doc = template.document();
    // Keys the member decides; whatever the template says about them is replaced.
    for (String k : List.of("name", "data-dir", "wal-dir", "listen-client-urls", "advertise-client-urls",
        "listen-peer-urls", "initial-advertise-peer-urls", "initial-cluster", "initial-cluster-state",
        "force-new-cluster", "discovery", "discovery-srv")) {
      doc.remove(k);
    }
    ObjectNode out = YAML.createObjectNode();
    out.put("name", m.podName());
    out.put("data-dir", m.dataDir().toString());
    out.put("listen-client-urls", m.listenClientUrl().toString());
    out.put("advertise-client-urls", m.forEtcd(m.advertiseClientUrl()).toString());
    out.put("listen-peer-urls", m.listenPeerUrl().toString());
    out.put("initial-advertise-peer-urls", m.forEtcd(m.advertisePeerUrl()).toString());
    Map<String, List<URI>> ic = new LinkedHashMap<>();
    for (Map.Entry<String, List<URI>> e : plan.initialCluster().entrySet()) {
      List<URI> urls = new ArrayList<>();
      for (URI u : e.getValue()) {
        urls.add(m.forEtcd(u));
      }
      ic.put(e.getKey(), urls);
    }
    out.put("initial-cluster", new Membership(plan.state(), ic, false).initialClusterText());
    out.put("initial-cluster-state", plan.state().value());
    if (plan.forceNewCluster()) {
      out.put("force-new-cluster", true);
    }
    doc.fields().forEachRemaining(f -> out.set(f.getKey(), f.getValue()));
    // etcd turns its JSON gateway off when started from a config file without this key; the agents
    // ask the members through it (status, member list, learner promotion).
    out.put("enable-grpc-gateway", true);
    if (m.clientTlsDir() != null) {
      out.set("client-transport-security", tls(doc.path("client-transport-security"), m.clientTlsDir().toString()));
    }
    if (m.peerTlsDir() != null) {
      out.set("peer-transport-security", tls(doc.path("peer-transport-security"), m.peerTlsDir().toString()));
    }
    return YAML.writeValueAsString(out);
  }

  private static ObjectNode tls(JsonNode fromTemplate, String dir) {
    ObjectNode t = fromTemplate.isObject() ? ((ObjectNode) fromTemplate).deepCopy() : YAML.createObjectNode();
    t.put("cert-file", dir + "/tls.crt");
    t.put("key-file", dir + "/tls.key");
    t.put("trusted-ca-file", dir + "/ca.crt");
    return t;
  }
}
