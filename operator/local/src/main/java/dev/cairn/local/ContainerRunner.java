package dev.cairn.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container of a pod as a local process, supervised like the kubelet does: started with its
 * log appended to a file, probed (startup, liveness, readiness), restarted with an exponential
 * back-off when it exits or fails its liveness probe, and stopped with SIGTERM then SIGKILL. When
 * the main process exits, whatever it started is killed too, as a container's PID namespace would.
 */
final class ContainerRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ContainerRunner.class);

  /** What a container needs from its pod. */
  interface Pod {
    ContainerLaunch.Spec launchSpec(Container container) throws ClusterView.ConfigException;

    Prober.Result exec(Container container, List<String> command, long timeoutMillis);

    String podIp();

    String podKey();

    Path logFile(String container);

    Path pidFile(String container);

    Duration terminationGrace();

    String restartPolicy();

    /** Something in this container's status changed. */
    void changed();
  }

  enum Kind { WAITING, RUNNING, TERMINATED }

  /** A container state as the pod status shows it. */
  record State(Kind kind, String reason, String message, Integer exitCode, Instant startedAt, Instant finishedAt, long pid) {
    static State waiting(String reason, String message) {
      return new State(Kind.WAITING, reason, message, null, null, null, 0);
    }
  }

  /** An immutable view for status building. */
  record Snapshot(String name, String image, boolean init, State state, State lastState, int restartCount,
                  boolean ready, boolean started) {}

  private final Container container;
  private final boolean init;
  private final Pod pod;
  private final PodRunnerOptions options;

  private final Object lock = new Object();
  private State state = State.waiting("ContainerCreating", null);
  private State lastState;
  private int restartCount;
  private int launches;
  private boolean ready;
  private boolean started;
  private boolean stopping;
  private boolean finished;
  /** While true the container is not started again (see {@link #killAndHold}). */
  private boolean held;
  private Process process;
  private final Set<ProcessHandle> tree = new LinkedHashSet<>();
  private Thread thread;

  ContainerRunner(Container container, boolean init, Pod pod, PodRunnerOptions options) {
    this.container = container;
    this.init = init;
    this.pod = pod;
    this.options = options;
  }

  String name() {
    return container.getName();
  }

  void start() {
    thread = new Thread(this::loop, "container " + pod.podKey() + "/" + container.getName());
    thread.setDaemon(true);
    thread.start();
  }

  /** For init containers: waits until it exited 0 (true) or will not run again (false). */
  boolean awaitCompletion() throws InterruptedException {
    thread.join();
    synchronized (lock) {
      return state.kind() == Kind.TERMINATED && Integer.valueOf(0).equals(state.exitCode());
    }
  }

  Snapshot snapshot() {
    synchronized (lock) {
      return new Snapshot(container.getName(), container.getImage(), init, state, lastState, restartCount, ready, started);
    }
  }

  boolean isFinished() {
    synchronized (lock) {
      return finished;
    }
  }

  /** SIGKILL to the running process tree, as a crash would; the usual restart rules then apply. */
  void kill() throws InterruptedException {
    Process p;
    synchronized (lock) {
      p = process;
    }
    if (p == null) {
      throw new IllegalStateException("container " + pod.podKey() + "/" + container.getName() + " has no running process");
    }
    ProcessTree.kill(p.toHandle());
    p.waitFor();
  }

  /**
   * A crash with something done to the pod's disk before the restart: SIGKILL to the tree, then
   * {@code whileDown} runs while the container is kept from starting again, then the usual restart
   * rules apply. Without the hold, a restart back-off of 1 s would race with the action.
   */
  void killAndHold(Runnable whileDown) throws InterruptedException {
    synchronized (lock) {
      held = true;
    }
    try {
      kill();
      whileDown.run();
    } finally {
      synchronized (lock) {
        held = false;
        lock.notifyAll();
      }
    }
  }

  /** Stops for good: SIGTERM to the tree, SIGKILL after {@code grace}; returns when all are gone. */
  void stop(Duration grace) throws InterruptedException {
    Process p;
    synchronized (lock) {
      stopping = true;
      p = process;
    }
    if (thread != null) {
      thread.interrupt();
    }
    if (p != null) {
      Set<Long> left = ProcessTree.terminate(p.toHandle(), grace);
      if (!left.isEmpty()) {
        LOG.warn("{}/{}: processes {} still present after SIGKILL", pod.podKey(), container.getName(), left);
      }
    }
    killLeftovers();
    if (thread != null) {
      thread.join(30_000);
    }
    if (p != null) {
      int exit = p.waitFor();
      synchronized (lock) {
        Instant startedAt = state.startedAt();
        state = new State(Kind.TERMINATED, exit == 0 ? "Completed" : "Error", null, exit, startedAt, Instant.now(), p.pid());
        process = null;
        ready = false;
        finished = true;
      }
      deletePidFile();
    }
  }

  private void loop() {
    Duration backoff = options.initialRestartBackoff();
    try {
      while (true) {
        synchronized (lock) {
          while (held && !stopping) {
            lock.wait();
          }
        }
        ContainerLaunch.Spec spec;
        try {
          spec = pod.launchSpec(container);
        } catch (ClusterView.ConfigException e) {
          setState(State.waiting(e.reason(), e.getMessage()));
          Thread.sleep(1000);
          continue;
        } catch (RuntimeException e) {
          setState(State.waiting("RunContainerError", e.getMessage()));
          Thread.sleep(backoff.toMillis());
          backoff = next(backoff);
          continue;
        }
        Process p;
        Instant startedAt = Instant.now();
        synchronized (lock) {
          if (stopping) {
            return;
          }
          try {
            p = launch(spec);
          } catch (IOException e) {
            state = State.waiting("RunContainerError", "cannot start " + spec.argv().get(0) + ": " + e.getMessage());
            p = null;
          }
          if (p != null) {
            if (launches > 0) {
              restartCount++;
            }
            launches++;
            process = p;
            tree.clear();
            tree.add(p.toHandle());
            state = new State(Kind.RUNNING, null, null, null, startedAt, null, p.pid());
            started = container.getStartupProbe() == null;
            ready = false;
          }
        }
        pod.changed();
        if (p == null) {
          Thread.sleep(backoff.toMillis());
          backoff = next(backoff);
          continue;
        }
        LOG.info("{}/{}: started pid {}: {}", pod.podKey(), container.getName(), p.pid(), spec.argv());
        String why = supervise(p, startedAt);
        int exit = p.waitFor();
        killLeftovers();
        deletePidFile();
        Instant finishedAt = Instant.now();
        String reason = why != null ? why : exit == 0 ? "Completed" : "Error";
        State terminated = new State(Kind.TERMINATED, reason, null, exit, startedAt, finishedAt, p.pid());
        boolean restart;
        synchronized (lock) {
          process = null;
          ready = false;
          started = false;
          if (stopping) {
            state = terminated;
            finished = true;
            return;
          }
          lastState = terminated;
          String policy = pod.restartPolicy();
          restart = init
              ? exit != 0 && !"Never".equals(policy)
              : "Always".equals(policy) || ("OnFailure".equals(policy) && exit != 0);
          if (!restart) {
            state = terminated;
            finished = true;
          }
        }
        LOG.info("{}/{}: pid {} exited with {}{}", pod.podKey(), container.getName(), p.pid(), exit,
            restart ? ", restarting in " + backoff.toMillis() + " ms" : "");
        if (!restart) {
          pod.changed();
          return;
        }
        if (Duration.between(startedAt, finishedAt).compareTo(options.resetBackoffAfter()) >= 0) {
          backoff = options.initialRestartBackoff();
        }
        setState(State.waiting("CrashLoopBackOff",
            "back-off " + backoff.toMillis() + " ms restarting failed container " + container.getName()));
        Thread.sleep(backoff.toMillis());
        backoff = next(backoff);
      }
    } catch (InterruptedException e) {
      // stop() interrupts to end a back-off or a probe wait; it terminates the process itself.
    } catch (RuntimeException e) {
      LOG.error("{}/{}: supervisor failed", pod.podKey(), container.getName(), e);
      setState(State.waiting("RunContainerError", "the local supervisor failed: " + e));
    }
  }

  private Duration next(Duration backoff) {
    Duration doubled = backoff.multipliedBy(2);
    return doubled.compareTo(options.maxRestartBackoff()) > 0 ? options.maxRestartBackoff() : doubled;
  }

  private void setState(State s) {
    synchronized (lock) {
      if (stopping) {
        return;
      }
      state = s;
    }
    pod.changed();
  }

  private Process launch(ContainerLaunch.Spec spec) throws IOException {
    Path log = pod.logFile(container.getName());
    Files.createDirectories(log.getParent());
    Files.createDirectories(spec.workingDir());
    String header = "----- " + Instant.now() + " cairn local: start " + (launches + 1) + " of container "
        + container.getName() + " of pod " + pod.podKey() + ": " + String.join(" ", spec.argv()) + "\n";
    Files.writeString(log, header, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(spec.argv())
        .directory(spec.workingDir().toFile())
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()));
    pb.environment().clear();
    pb.environment().putAll(spec.env());
    Process p = pb.start();
    // A container's stdin is closed unless the spec asks for it; nothing here feeds one.
    p.getOutputStream().close();
    ProcessHandle.Info info = p.toHandle().info();
    String startMillis = info.startInstant().map(i -> String.valueOf(i.toEpochMilli())).orElse("0");
    Files.writeString(pod.pidFile(container.getName()), p.pid() + " " + startMillis + "\n", StandardCharsets.UTF_8);
    return p;
  }

  private void deletePidFile() {
    try {
      Files.deleteIfExists(pod.pidFile(container.getName()));
    } catch (IOException e) {
      LOG.debug("cannot delete pid file", e);
    }
  }

  /** Processes the container started that outlived its main process: gone with the container. */
  private void killLeftovers() {
    Set<ProcessHandle> left;
    synchronized (lock) {
      left = new LinkedHashSet<>(tree);
    }
    left.removeIf(h -> !h.isAlive());
    if (!left.isEmpty()) {
      left.forEach(ProcessHandle::destroyForcibly);
      try {
        ProcessTree.awaitExit(left, Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Watches a running process and runs its probes until it exits; returns a termination reason
   * when the runner ended it (a failed liveness or startup probe), else null.
   */
  private String supervise(Process p, Instant startedAt) throws InterruptedException {
    ProbeState startup = ProbeState.of(container.getStartupProbe(), startedAt, options);
    ProbeState liveness = ProbeState.of(container.getLivenessProbe(), startedAt, options);
    ProbeState readiness = ProbeState.of(container.getReadinessProbe(), startedAt, options);
    if (readiness == null && startup == null) {
      setReady(true);
    }
    long lastTreeScan = 0;
    while (true) {
      long now = System.currentTimeMillis();
      if (now - lastTreeScan >= 500) {
        synchronized (lock) {
          p.toHandle().descendants().forEach(tree::add);
        }
        lastTreeScan = now;
      }
      long next = now + 500;
      boolean isStarted;
      synchronized (lock) {
        isStarted = started;
      }
      if (!isStarted && startup != null) {
        next = Math.min(next, startup.due);
      } else {
        if (liveness != null) {
          next = Math.min(next, liveness.due);
        }
        if (readiness != null) {
          next = Math.min(next, readiness.due);
        }
      }
      long wait = Math.max(10, next - now);
      if (p.waitFor(wait, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        return null;
      }
      synchronized (lock) {
        if (stopping) {
          p.waitFor();
          return null;
        }
      }
      now = System.currentTimeMillis();
      if (!isStarted && startup != null) {
        if (now >= startup.due) {
          Boolean outcome = startup.record(run(startup.probe, "startup"), now);
          if (Boolean.TRUE.equals(outcome)) {
            synchronized (lock) {
              started = true;
            }
            if (readiness == null) {
              setReady(true);
            } else {
              pod.changed();
            }
          } else if (Boolean.FALSE.equals(outcome)) {
            restartForProbe(p, "startup");
            return "StartupProbeFailed";
          }
        }
        continue;
      }
      if (liveness != null && now >= liveness.due) {
        if (Boolean.FALSE.equals(liveness.record(run(liveness.probe, "liveness"), now))) {
          restartForProbe(p, "liveness");
          return "LivenessProbeFailed";
        }
      }
      if (readiness != null && now >= readiness.due) {
        Boolean outcome = readiness.record(run(readiness.probe, "readiness"), now);
        if (outcome != null) {
          setReady(outcome);
        }
      }
    }
  }

  private Prober.Result run(Probe probe, String kind) {
    Prober.Result r = Prober.probe(probe, container, pod.podIp(),
        (command, timeout) -> pod.exec(container, command, timeout));
    if (!r.success()) {
      LOG.debug("{}/{}: {} probe failed: {}", pod.podKey(), container.getName(), kind, r.message());
    }
    return r;
  }

  private void restartForProbe(Process p, String kind) throws InterruptedException {
    LOG.info("{}/{}: {} probe failed, restarting the container", pod.podKey(), container.getName(), kind);
    Probe probe = "startup".equals(kind) ? container.getStartupProbe() : container.getLivenessProbe();
    Duration grace = probe.getTerminationGracePeriodSeconds() != null
        ? Duration.ofSeconds(probe.getTerminationGracePeriodSeconds())
        : pod.terminationGrace();
    ProcessTree.terminate(p.toHandle(), grace);
  }

  private void setReady(boolean value) {
    boolean changed;
    synchronized (lock) {
      changed = ready != value;
      ready = value;
    }
    if (changed) {
      pod.changed();
    }
  }

  /** Consecutive results of one probe against its thresholds, and when it runs next. */
  private static final class ProbeState {
    final Probe probe;
    final long period;
    final int successThreshold;
    final int failureThreshold;
    long due;
    int successes;
    int failures;

    private ProbeState(Probe probe, long firstDue, long period) {
      this.probe = probe;
      this.period = period;
      this.successThreshold = probe.getSuccessThreshold() == null || probe.getSuccessThreshold() < 1 ? 1 : probe.getSuccessThreshold();
      this.failureThreshold = probe.getFailureThreshold() == null || probe.getFailureThreshold() < 1 ? 3 : probe.getFailureThreshold();
      this.due = firstDue;
    }

    static ProbeState of(Probe probe, Instant startedAt, PodRunnerOptions options) {
      if (probe == null) {
        return null;
      }
      double speed = options.probeSpeedup();
      long delay = (long) (1000L * (probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds()) / speed);
      long period = Math.max(100, (long) (1000L * (probe.getPeriodSeconds() == null || probe.getPeriodSeconds() < 1 ? 10 : probe.getPeriodSeconds()) / speed));
      return new ProbeState(probe, startedAt.toEpochMilli() + delay, period);
    }

    /** Records a result; returns TRUE or FALSE when a threshold is crossed, else null. */
    Boolean record(Prober.Result r, long now) {
      due = now + period;
      if (r.success()) {
        failures = 0;
        successes++;
        return successes >= successThreshold ? Boolean.TRUE : null;
      }
      successes = 0;
      failures++;
      return failures >= failureThreshold ? Boolean.FALSE : null;
    }
  }
}
