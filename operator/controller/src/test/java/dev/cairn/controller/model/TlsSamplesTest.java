package dev.cairn.controller.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.OperatorConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cert-manager sample issues certificates for the names cairn actually dials: every member's
 * stable name, the client Service, the agent URL the wrapper is given and the endpoint the agent is
 * given, as {@link MemberStatefulSet} and {@link Names} generate them for the TLS sample Etcd; plus the
 * reverse DNS form etcd checks a connecting peer against, and the key usages each side needs.
 */
class TlsSamplesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static Path samples() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("deploy/samples"))) {
      p = p.getParent();
    }
    assertNotNull(p, "deploy/samples not found above " + Path.of("").toAbsolutePath());
    return p.resolve("deploy/samples");
  }

  /** Certificate specs of the cert-manager sample by the Secret they write. */
  private static Map<String, JsonNode> certificates() throws IOException {
    Map<String, JsonNode> out = new HashMap<>();
    String text = Files.readString(samples().resolve("cert-manager/etcd-three-s3-tls-certificates.yaml"));
    for (JsonNode doc : YAML.readValues(YAML.createParser(text), JsonNode.class).readAll()) {
      if (doc != null && "Certificate".equals(doc.path("kind").asText()) && !doc.path("spec").path("isCA").asBoolean()) {
        out.put(doc.path("spec").path("secretName").asText(), doc.path("spec"));
      }
    }
    return out;
  }

  private static Etcd etcd() throws IOException {
    return Serialization.unmarshal(Files.readString(samples().resolve("etcd-three-s3-tls.yaml")), Etcd.class);
  }

  private static boolean covers(JsonNode spec, String host) {
    for (JsonNode n : spec.path("dnsNames")) {
      String name = n.asText();
      if (name.equals(host)) {
        return true;
      }
      if (name.startsWith("*.")) {
        int dot = host.indexOf('.');
        if (dot > 0 && host.substring(dot + 1).equals(name.substring(2))) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> usages(JsonNode spec) {
    List<String> out = new ArrayList<>();
    spec.path("usages").forEach(u -> out.add(u.asText()));
    return out;
  }

  private static String arg(Container c, String flag) {
    return c.getArgs().stream().filter(a -> a.startsWith(flag + "=")).map(a -> a.substring(flag.length() + 1))
        .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no " + flag + ": " + c.getArgs()));
  }

  @Test
  void theCertificatesCoverEveryNameCairnDialsAndAllowTheirUse() throws IOException {
    Etcd etcd = etcd();
    Map<String, JsonNode> certs = certificates();
    JsonNode client = certs.get(etcd.getSpec().getEtcd().getClientTLS().getSecretRef().getName());
    JsonNode peer = certs.get(etcd.getSpec().getEtcd().getPeerTLS().getSecretRef().getName());
    JsonNode agent = certs.get(etcd.getSpec().getAgent().getTls().getSecretRef().getName());
    assertNotNull(client, "no Certificate writes the clientTLS Secret; have " + certs.keySet());
    assertNotNull(peer, "no Certificate writes the peerTLS Secret; have " + certs.keySet());
    assertNotNull(agent, "no Certificate writes the agent TLS Secret; have " + certs.keySet());

    var sts = MemberStatefulSet.build(etcd, OperatorConfig.defaults(), etcd.getSpec().getReplicas(), null);
    List<Container> containers = sts.getSpec().getTemplate().getSpec().getContainers();
    Container etcdC = containers.stream().filter(c -> c.getName().equals("etcd")).findFirst().orElseThrow();
    Container agentC = containers.stream().filter(c -> c.getName().equals("agent")).findFirst().orElseThrow();

    assertTrue(covers(client, Names.clientHost(etcd)), "client Service " + Names.clientHost(etcd));
    for (int i = 0; i < etcd.getSpec().getReplicas(); i++) {
      String pod = Names.pod(etcd, i);
      String member = Names.peerHost(etcd, i);
      // The agent dials its own member, the agents and the operator dial every member, by this name.
      assertTrue(covers(client, member), "client certificate for " + member);
      String endpoint = URI.create(arg(agentC, "--endpoints").replace("$(POD_NAME)", pod)).getHost();
      assertTrue(covers(client, endpoint), "the agent's --endpoints host " + endpoint);
      assertTrue(covers(peer, member), "peer certificate for " + member);
      assertTrue(covers(peer, member + ".cluster.local"), "peer certificate for the reverse DNS name of " + pod);
      String agentHost = URI.create(arg(etcdC, "--agent-url").replace("$(POD_NAME)", pod)).getHost();
      assertTrue(covers(agent, agentHost), "the wrapper's --agent-url host " + agentHost);
      assertTrue(covers(agent, member), "the operator dials the agent at " + member);
    }
    // The agent and the operator present the client certificate; members present the peer one to each other.
    assertTrue(usages(client).containsAll(List.of("server auth", "client auth")), "client usages " + usages(client));
    assertTrue(usages(peer).containsAll(List.of("server auth", "client auth")), "peer usages " + usages(peer));
    assertTrue(usages(agent).contains("server auth"), "agent usages " + usages(agent));
    assertEquals(3, certs.size(), "client, peer and agent certificates: " + certs.keySet());
  }
}
