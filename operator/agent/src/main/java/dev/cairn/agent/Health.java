package dev.cairn.agent;

import java.util.List;

/**
 * What {@code /healthz} reports.
 *
 * @param healthy etcd answers and the snapshotter has no problem
 * @param problems what is wrong, each with what to do; empty when healthy
 */
public record Health(boolean healthy, List<String> problems) {
  public Health {
    problems = List.copyOf(problems);
  }
}
