package dev.cairn.controller.testing;

import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.etcd.AgentException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Agents that answer a final snapshot request at once (or fail, when told to). Records the targets. */
public final class FakeAgentClient implements AgentClient {

  public final List<String> finalSnapshots = Collections.synchronizedList(new ArrayList<>());
  public volatile boolean failing;

  @Override
  public Snapshot finalFullSnapshot(Target target, Duration timeout) throws AgentException {
    finalSnapshots.add(target.baseUrl().toString());
    if (failing) {
      throw new AgentException("fake agent at " + target + " refuses: store unreachable");
    }
    return new Snapshot("00000000000000000042-full-0000000000000000000-20250101T000000000Z.db", 42,
        Instant.parse("2025-01-01T00:00:00Z"));
  }
}
