package dev.cairn.local;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Signals for a container's whole process tree. A container in Kubernetes is a PID namespace: when
 * it stops, nothing it started survives. Locally a process's children outlive it, so the runner
 * signals the descendants too (for {@code cairn wrapper}, the etcd it started), collecting them
 * before the root can exit and orphan them.
 */
final class ProcessTree {

  private ProcessTree() {}

  /** The root and every live descendant, root first. */
  static Set<ProcessHandle> snapshot(ProcessHandle root) {
    Set<ProcessHandle> all = new LinkedHashSet<>();
    all.add(root);
    root.descendants().forEach(all::add);
    return all;
  }

  /** SIGKILL to the root and all descendants; returns the pids still present after a bounded wait. */
  static Set<Long> kill(ProcessHandle root) throws InterruptedException {
    Set<ProcessHandle> tree = snapshot(root);
    tree.forEach(ProcessHandle::destroyForcibly);
    return awaitExit(tree, Duration.ofSeconds(10));
  }

  /**
   * SIGTERM to the tree, then waits up to {@code grace} for every member to exit (collecting
   * descendants started meanwhile), then SIGKILL to whatever is left. Returns when all are gone.
   */
  static Set<Long> terminate(ProcessHandle root, Duration grace) throws InterruptedException {
    Set<ProcessHandle> tree = snapshot(root);
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() < deadline) {
      if (root.isAlive()) {
        root.descendants().forEach(tree::add);
      }
      tree.removeIf(p -> !p.isAlive());
      if (tree.isEmpty()) {
        return Set.of();
      }
      Thread.sleep(50);
    }
    tree.forEach(ProcessHandle::destroyForcibly);
    return awaitExit(tree, Duration.ofSeconds(10));
  }

  /**
   * Waits (bounded) for processes to be gone after SIGKILL; returns the pids still present (a zombie
   * whose parent does not reap it stays visible until that parent exits).
   */
  static Set<Long> awaitExit(Set<ProcessHandle> processes, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    Set<ProcessHandle> alive = processes.stream().filter(ProcessHandle::isAlive).collect(Collectors.toSet());
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      alive.removeIf(p -> !p.isAlive());
    }
    return alive.stream().map(ProcessHandle::pid).collect(Collectors.toSet());
  }
}
