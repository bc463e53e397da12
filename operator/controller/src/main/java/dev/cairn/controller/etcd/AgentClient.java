package dev.cairn.controller.etcd;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

/**
 * The operator's calls to a member's agent HTTP API. Today one: the final full snapshot before
 * hibernation, sent to the leader's agent. Behind an interface so reconciler tests use a fake; {@link
 * HttpAgentClient} is the real one.
 */
public interface AgentClient {

  /** The agent's base URL ({@code http(s)://host:port}); with agent TLS, the CA to trust. */
  record Target(URI baseUrl, byte[] caPem) {
    @Override
    public String toString() {
      return baseUrl.toString();
    }
  }

  /** What the agent reported about the snapshot it stored. */
  record Snapshot(String object, long endRevision, Instant createdAt) {}

  /** {@code POST /snapshot/full?final=true}: a full snapshot marked final, stored before returning. */
  Snapshot finalFullSnapshot(Target target, Duration timeout) throws AgentException;
}
