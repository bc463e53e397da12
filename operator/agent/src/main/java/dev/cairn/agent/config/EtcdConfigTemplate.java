package dev.cairn.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator's etcd config template ({@code etcd.yaml} of the {@code <etcd>-config} ConfigMap): etcd
 * config-file keys holding cluster-wide values only. {@code initial-cluster} lists every member the
 * operator wants, by stable peer URL, in ordinal order; the first is the bootstrap member.
 */
public final class EtcdConfigTemplate {

  static final YAMLMapper YAML = new YAMLMapper();

  private final ObjectNode doc;

  private EtcdConfigTemplate(ObjectNode doc) {
    this.doc = doc;
  }

  public static EtcdConfigTemplate read(Path file) throws IOException {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new IOException("cannot read the etcd config template " + file + ": " + e.getMessage(), e);
    }
  }

  public static EtcdConfigTemplate parse(String yaml) throws IOException {
    JsonNode n = yaml == null || yaml.isBlank() ? YAML.createObjectNode() : YAML.readTree(yaml);
    if (n == null || n.isMissingNode() || n.isNull()) {
      n = YAML.createObjectNode();
    }
    if (!n.isObject()) {
      throw new IOException("the etcd config template is not a YAML mapping of etcd config-file keys");
    }
    return new EtcdConfigTemplate((ObjectNode) n);
  }

  /** A copy of the whole document, for rendering. */
  public ObjectNode document() {
    return doc.deepCopy();
  }

  /** {@code initial-cluster} as name -> peer URL, in the template's order; empty when absent. */
  public Map<String, URI> initialCluster() throws IOException {
    return parseInitialCluster(doc.path("initial-cluster").asText(""));
  }

  public static Map<String, URI> parseInitialCluster(String text) throws IOException {
    Map<String, URI> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      String p = part.strip();
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1) {
        throw new IOException("initial-cluster entry '" + p + "' is not name=peerURL");
      }
      String name = p.substring(0, eq);
      URI url;
      try {
        url = URI.create(p.substring(eq + 1));
      } catch (IllegalArgumentException e) {
        throw new IOException("initial-cluster entry '" + p + "' has an invalid URL: " + e.getMessage(), e);
      }
      if (url.getHost() == null || url.getPort() < 0) {
        throw new IOException("initial-cluster entry '" + p + "' needs a URL with host and port");
      }
      // A member may have several peer URLs (name repeated); the first one is the one we dial.
      out.putIfAbsent(name, url);
    }
    return out;
  }

  public String clusterToken() {
    return doc.path("initial-cluster-token").asText("etcd-cluster");
  }

  /** {@code quota-backend-bytes}, or 0 when absent (etcd's default then applies). */
  public long quotaBackendBytes() {
    return doc.path("quota-backend-bytes").asLong(0);
  }

  public boolean clientCertAuth() {
    return doc.path("client-transport-security").path("client-cert-auth").asBoolean(false);
  }

  public boolean peerCertAuth() {
    return doc.path("peer-transport-security").path("client-cert-auth").asBoolean(false);
  }
}
