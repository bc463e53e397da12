package dev.cairn.controller.tasks;

import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.controller.catalog.StoredSnapshots;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.etcd.AgentException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The member agents as the tasks talk to them: member reports per pod (or no answer), the outcome of
 * the bootstrap directive (by default: the member the directive ConfigMap names carried it out), and
 * on-demand snapshots that land in a test store and renew the snapshot Lease, as the real leader's
 * agent does. Pods are told apart by the IP the fake cluster gave them.
 */
final class FakeAgents implements AgentClient {

  private final KubernetesClient client;
  private final String namespace;
  /** What each pod's agent reports; a pod without an entry reports a running member at {@link #revision}. */
  final Map<String, MemberReport> reports = new ConcurrentHashMap<>();
  /** Pods whose agent does not answer. */
  final Set<String> unreachable = ConcurrentHashMap.newKeySet();
  final AtomicLong revision = new AtomicLong(1000);
  /** Pods whose agent reports this state and message for the directive that names them, instead of done. */
  final Map<String, Outcome> directiveOutcomes = new ConcurrentHashMap<>();
  /** Pods whose agent holds no directive (has not adopted the one that names it). */
  final Set<String> withoutDirective = ConcurrentHashMap.newKeySet();

  record Outcome(String state, String message) {}

  /** Calls, as "memberStatus orders-0" or "snapshot full orders-0". */
  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  /** Where snapshots go, and which Etcd's snapshot Lease is renewed; null: snapshots fail. */
  volatile StoredSnapshots store;
  volatile String etcd;

  FakeAgents(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  private String pod(Target target) throws AgentException {
    String host = target.baseUrl().getHost();
    for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
      if (p.getStatus() != null && host.equals(p.getStatus().getPodIP())) {
        return p.getMetadata().getName();
      }
    }
    if (host.contains(".")) {
      String first = host.substring(0, host.indexOf('.'));
      if (!first.chars().allMatch(c -> Character.isDigit(c))) {
        return first;
      }
    }
    throw new AgentException("fake: nobody at " + target);
  }

  @Override
  public MemberReport memberStatus(Target target, Duration timeout) throws AgentException {
    String pod = pod(target);
    calls.add("memberStatus " + pod);
    if (unreachable.contains(pod)) {
      throw new AgentException("the agent at " + target + " did not answer: connection refused");
    }
    return reports.getOrDefault(pod, new MemberReport("a1", "c1a5c1a5", revision.get(), true, true));
  }

  // As a real agent answers GET /initialization/directive: the directive of the bootstrap ConfigMap
  // that names this pod, in the agent's vocabulary, done unless a test says otherwise.
  @Override
  public java.util.Optional<Directive> directive(Target target, Duration timeout) throws AgentException {
    String pod = pod(target);
    calls.add("directive " + pod);
    if (unreachable.contains(pod)) {
      throw new AgentException("the agent at " + target + " did not answer: connection refused");
    }
    if (withoutDirective.contains(pod)) {
      return java.util.Optional.empty();
    }
    for (ConfigMap cm : client.configMaps().inNamespace(namespace).list().getItems()) {
      String json = cm.getData() == null ? null : cm.getData().get("directive.json");
      if (!cm.getMetadata().getName().endsWith("-bootstrap") || json == null) {
        continue;
      }
      try {
        JsonNode d = new ObjectMapper().readTree(json);
        if (!pod.equals(d.path("member").asText())) {
          continue;
        }
        boolean restore = "RestoreFromStore".equals(d.path("action").asText());
        Outcome o = directiveOutcomes.getOrDefault(pod, new Outcome("done", restore
            ? "restored " + (d.hasNonNull("snapshot") ? "snapshot " + d.get("snapshot").asText()
                : d.hasNonNull("revision") ? "revision " + d.get("revision").asLong() : "the newest state in the store")
            : "etcd runs as a new cluster of one on this member's data"));
        return java.util.Optional.of(new Directive(d.path("id").asText(), restore ? "restore" : "forceNewCluster",
            o.state(), o.message()));
      } catch (IOException e) {
        throw new AgentException("fake: unreadable directive " + json, e);
      }
    }
    return java.util.Optional.empty();
  }

  @Override
  public java.util.Optional<Snapshot> snapshot(Target target, boolean full, boolean finalSnapshot, Duration timeout)
      throws AgentException {
    String pod = pod(target);
    calls.add("snapshot " + (full ? "full" : "delta") + (finalSnapshot ? " final" : "") + " " + pod);
    StoredSnapshots s = store;
    if (s == null) {
      throw new AgentException("fake agent at " + target + ": store unreachable");
    }
    try {
      long end = revision.addAndGet(10);
      SnapshotMetadata m = full ? s.put(SnapshotKind.FULL, 0, end, null) : s.put(SnapshotKind.DELTA, end - 9, end, null);
      String lease = etcd + (full ? "-full-snapshot" : "-delta-snapshot");
      client.leases().inNamespace(namespace).withName(lease).edit(l -> {
        l.getSpec().setHolderIdentity(Long.toString(end));
        l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
        return l;
      });
      return java.util.Optional.of(new Snapshot(m.object(), m.endRevision(), m.createdAt()));
    } catch (IOException e) {
      throw new AgentException("fake agent: " + e.getMessage(), e);
    }
  }

  @Override
  public Snapshot finalFullSnapshot(Target target, Duration timeout) throws AgentException {
    return snapshot(target, true, true, timeout).orElseThrow();
  }
}
