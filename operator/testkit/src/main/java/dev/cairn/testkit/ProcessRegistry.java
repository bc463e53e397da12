package dev.cairn.testkit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers every process a fixture started so that a JVM exit (a failed or interrupted test run)
 * never leaves an etcd behind. Only processes started here are ever killed.
 */
final class ProcessRegistry {

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> LIVE.forEach(p -> p.destroyForcibly()), "testkit-process-reaper"));
  }

  private ProcessRegistry() {}

  static void register(Process p) {
    LIVE.add(p);
  }

  static void unregister(Process p) {
    LIVE.remove(p);
  }
}
