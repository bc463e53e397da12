package dev.cairn.agent.membership;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.agent.init.InitDecision;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The other members, asked through their client URLs (etcd's JSON gateway, short timeouts): who is
 * there, whether a leader exists, and the membership changes a member makes on itself — join as a
 * learner, leave, promotion. Membership changes go to a voting member that answered (a learner
 * refuses them).
 */
public final class ClusterMembers {

  /** One entry of MemberList. An added but never started member has no name. */
  public record Member(long id, String name, List<URI> peerUrls, List<URI> clientUrls, boolean learner) {
    public boolean started() {
      return name != null && !name.isEmpty();
    }
  }

  /**
   * What the probe saw.
   *
   * @param answering endpoints that answered Status, voting members first
   * @param revision the revision a leader-aware member reported, -1 when none
   */
  public record View(InitDecision.Peers peers, long clusterId, long leaderId, long revision, List<Member> members,
      List<URI> answering, String detail) {

    public boolean healthy() {
      return peers == InitDecision.Peers.HEALTHY;
    }
  }

  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cluster-probe");
    t.setDaemon(true);
    return t;
  });

  private final EtcdGateway gateway;

  public ClusterMembers(EtcdGateway gateway) {
    this.gateway = gateway;
  }

  public EtcdGateway gateway() {
    return gateway;
  }

  private record Answer(URI endpoint, JsonNode status, String error) {}

  /** Asks every endpoint for its status at once; with a leader in sight, reads the member list. */
  public View probe(List<URI> endpoints) throws InterruptedException {
    if (endpoints.isEmpty()) {
      return new View(InitDecision.Peers.NONE, 0, 0, -1, List.of(), List.of(), "no other member to ask");
    }
    List<CompletableFuture<Answer>> fs = new ArrayList<>();
    for (URI e : endpoints) {
      fs.add(CompletableFuture.supplyAsync(() -> {
        try {
          return new Answer(e, gateway.call(e, "maintenance/status", EtcdGateway.object()), null);
        } catch (IOException ex) {
          return new Answer(e, null, ex.getMessage());
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          return new Answer(e, null, "interrupted");
        }
      }, POOL));
    }
    List<Answer> ok = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (CompletableFuture<Answer> f : fs) {
      Answer a = f.join();
      if (a.status() != null) {
        ok.add(a);
      } else {
        errors.add(a.endpoint() + ": " + a.error());
      }
    }
    if (Thread.interrupted()) {
      throw new InterruptedException("cluster probe interrupted");
    }
    if (ok.isEmpty()) {
      return new View(InitDecision.Peers.UNREACHABLE, 0, 0, -1, List.of(), List.of(),
          "no member answered: " + String.join("; ", errors));
    }
    long cluster = id(ok.get(0).status().path("header").path("cluster_id"));
    for (Answer a : ok) {
      if (id(a.status().path("header").path("cluster_id")) != cluster) {
        return new View(InitDecision.Peers.CONFLICT, 0, 0, -1, List.of(), endpointsOf(ok),
            "members answer with different cluster IDs: " + describe(ok));
      }
    }
    // Voting members first: they can take membership changes.
    ok.sort((a, b) -> Boolean.compare(a.status().path("isLearner").asBoolean(false),
        b.status().path("isLearner").asBoolean(false)));
    for (Answer a : ok) {
      long leader = id(a.status().path("leader"));
      if (leader == 0) {
        continue;
      }
      try {
        JsonNode list = gateway.call(a.endpoint(), "cluster/member/list", EtcdGateway.object());
        return new View(InitDecision.Peers.HEALTHY, cluster, leader, id(a.status().path("header").path("revision")),
            members(list.path("members")), endpointsOf(ok), "leader " + Long.toHexString(leader) + " seen by "
                + a.endpoint());
      } catch (IOException e) {
        errors.add(a.endpoint() + " member list: " + e.getMessage());
      }
    }
    return new View(InitDecision.Peers.NO_LEADER, cluster, 0, -1, List.of(), endpointsOf(ok),
        "members answer but none knows a leader: " + describe(ok)
            + (errors.isEmpty() ? "" : "; " + String.join("; ", errors)));
  }

  /** MemberAdd of this member as a learner; returns the membership the new member must start with. */
  public List<Member> addLearner(List<URI> endpoints, URI peerUrl) throws IOException, InterruptedException {
    ObjectNode b = EtcdGateway.object();
    b.putArray("peerURLs").add(peerUrl.toString());
    b.put("isLearner", true);
    JsonNode r = first(endpoints, "cluster/member/add", b);
    return members(r.path("members"));
  }

  /** MemberRemove. */
  public void remove(List<URI> endpoints, long id) throws IOException, InterruptedException {
    ObjectNode b = EtcdGateway.object();
    b.put("ID", Long.toUnsignedString(id));
    first(endpoints, "cluster/member/remove", b);
  }

  /** MemberPromote; etcd refuses ("not in sync") until the learner has caught up. */
  public void promote(List<URI> endpoints, long id) throws IOException, InterruptedException {
    IOException last = null;
    for (URI e : endpoints) {
      try {
        gateway.promote(e, id);
        return;
      } catch (EtcdGateway.GatewayException ex) {
        throw ex; // etcd's answer (e.g. not in sync yet) is the same from any member
      } catch (IOException ex) {
        last = ex;
      }
    }
    throw last != null ? last : new IOException("no member to send the promotion to");
  }

  /** MemberList from the first endpoint that answers. */
  public List<Member> list(List<URI> endpoints) throws IOException, InterruptedException {
    return members(first(endpoints, "cluster/member/list", EtcdGateway.object()).path("members"));
  }

  private JsonNode first(List<URI> endpoints, String path, JsonNode body) throws IOException, InterruptedException {
    IOException last = null;
    for (URI e : endpoints) {
      try {
        return gateway.call(e, path, body);
      } catch (EtcdGateway.GatewayException ex) {
        // A learner refuses membership changes ("rpc not supported for learner"): try the next member.
        last = ex;
        if (!ex.getMessage().contains("learner")) {
          throw ex;
        }
      } catch (IOException ex) {
        last = ex;
      }
    }
    throw last != null ? last : new IOException("no member endpoint to send " + path + " to");
  }

  static List<Member> members(JsonNode arr) {
    List<Member> out = new ArrayList<>();
    if (arr instanceof ArrayNode a) {
      for (JsonNode m : a) {
        out.add(new Member(id(m.path("ID")), m.path("name").asText(""), uris(m.path("peerURLs")),
            uris(m.path("clientURLs")), m.path("isLearner").asBoolean(false)));
      }
    }
    return out;
  }

  private static List<URI> uris(JsonNode arr) {
    List<URI> out = new ArrayList<>();
    arr.forEach(u -> out.add(URI.create(u.asText())));
    return out;
  }

  static long id(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return 0;
    }
    String s = n.asText("0");
    return s.isEmpty() ? 0 : Long.parseUnsignedLong(s);
  }

  private static List<URI> endpointsOf(List<Answer> ok) {
    return ok.stream().map(Answer::endpoint).toList();
  }

  private static String describe(List<Answer> ok) {
    List<String> parts = new ArrayList<>();
    for (Answer a : ok) {
      JsonNode h = a.status().path("header");
      parts.add(a.endpoint() + " (cluster " + Long.toHexString(id(h.path("cluster_id"))) + ", member "
          + Long.toHexString(id(h.path("member_id"))) + ", leader " + Long.toHexString(id(a.status().path("leader")))
          + ")");
    }
    return String.join(", ", parts);
  }
}
