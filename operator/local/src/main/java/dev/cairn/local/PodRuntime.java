package dev.cairn.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pod incarnation (one pod UID) on this machine: its address, directories and volumes, its
 * init containers run one after the other, then its containers, and the pod status they add up to.
 */
final class PodRuntime implements ContainerRunner.Pod {

  private static final Logger LOG = LoggerFactory.getLogger(PodRuntime.class);
  private static final Set<String> OWN_CONDITIONS = Set.of("PodScheduled", "Initialized", "ContainersReady", "Ready");

  enum Stage { PREPARING, INITIALIZING, RUNNING, STOPPING, STOPPED }

  /** What the pod needs from the runner. */
  interface Host {
    ClusterView view();

    PodRunnerOptions options();

    /** The local directory of a claim, or null while the claim is missing or being deleted. */
    Path claimDirectory(String namespace, String claim);

    void changed();
  }

  private final Host host;
  private final String key;
  private final String uid;
  private final String ip;
  private final Path podDir;
  private final ContainerLaunch launch;
  private final Instant createdAt = Instant.now();

  private volatile Pod pod;
  private volatile Stage stage = Stage.PREPARING;
  private volatile String waitingReason = "ContainerCreating";
  private volatile String waitingMessage;
  private volatile Instant startTime;
  private final Map<String, Path> volumes = new HashMap<>();
  private final Set<String> fileVolumes = new java.util.HashSet<>();
  private final Map<String, MountPaths> mounts = new HashMap<>();
  private final List<ContainerRunner> initRunners = new CopyOnWriteArrayList<>();
  private final List<ContainerRunner> runners = new CopyOnWriteArrayList<>();
  private final Map<String, PodCondition> conditions = new LinkedHashMap<>();
  private Thread main;
  private CompletableFuture<Void> stopped;

  PodRuntime(Host host, Pod pod, String ip, Path podDir) {
    this.host = host;
    this.pod = pod;
    this.key = Pods.key(pod);
    this.uid = pod.getMetadata().getUid();
    this.ip = ip;
    this.podDir = podDir;
    this.launch = new ContainerLaunch(host.options(), host.view());
  }

  String uid() {
    return uid;
  }

  String ip() {
    return ip;
  }

  Pod pod() {
    return pod;
  }

  Stage stage() {
    return stage;
  }

  Path podDir() {
    return podDir;
  }

  Path hostsFile() {
    return podDir.resolve("hosts");
  }

  /** Claim names this pod mounts. */
  List<String> claims() {
    List<String> out = new ArrayList<>();
    if (pod.getSpec().getVolumes() != null) {
      for (Volume v : pod.getSpec().getVolumes()) {
        if (v.getPersistentVolumeClaim() != null) {
          out.add(v.getPersistentVolumeClaim().getClaimName());
        }
      }
    }
    return out;
  }

  /** Whether every container is ready (what Services and StatefulSets look at). */
  boolean isReady() {
    return stage == Stage.RUNNING && !runners.isEmpty()
        && runners.stream().allMatch(r -> r.snapshot().ready());
  }

  void start() {
    main = new Thread(this::run, "pod " + key);
    main.setDaemon(true);
    main.start();
  }

  /** The newest pod object (labels, annotations for the downward API) and fresh volume files. */
  void refresh(Pod latest) {
    this.pod = latest;
    if (stage == Stage.INITIALIZING || stage == Stage.RUNNING) {
      syncFileVolumes(false);
    }
  }

  private void run() {
    try {
      while (!prepare()) {
        Thread.sleep(500);
      }
      startTime = Instant.now();
      stage = Stage.INITIALIZING;
      host.changed();
      List<Container> inits = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
      for (Container c : inits) {
        ContainerRunner r = new ContainerRunner(c, true, this, host.options());
        initRunners.add(r);
        r.start();
        if ("Always".equals(c.getRestartPolicy())) {
          // A sidecar: it keeps running next to the containers instead of completing.
          continue;
        }
        if (!r.awaitCompletion()) {
          LOG.info("{}: init container {} did not complete", key, c.getName());
          host.changed();
          return;
        }
      }
      synchronized (this) {
        if (stage == Stage.STOPPING || stage == Stage.STOPPED) {
          return;
        }
        stage = Stage.RUNNING;
        for (Container c : pod.getSpec().getContainers()) {
          ContainerRunner r = new ContainerRunner(c, false, this, host.options());
          runners.add(r);
          r.start();
        }
      }
      host.changed();
    } catch (InterruptedException e) {
      // stopAsync() interrupts a pod still preparing or initialising.
    } catch (RuntimeException e) {
      LOG.error("{}: cannot start the pod", key, e);
      waitingReason = "RunContainerError";
      waitingMessage = e.toString();
      host.changed();
    }
  }

  /** Directories for every volume; false (with the reason shown in the status) while something is missing. */
  private boolean prepare() {
    if (stage != Stage.PREPARING) {
      return false;
    }
    Map<String, Path> dirs = new HashMap<>();
    List<Volume> specVolumes = pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes();
    for (Volume v : specVolumes) {
      if (v.getPersistentVolumeClaim() != null) {
        String claim = v.getPersistentVolumeClaim().getClaimName();
        Path dir = host.claimDirectory(pod.getMetadata().getNamespace(), claim);
        if (dir == null) {
          waiting("ContainerCreating", "waiting for PersistentVolumeClaim " + claim);
          return false;
        }
        dirs.put(v.getName(), dir);
      } else if (VolumeFiles.isFileVolume(v)) {
        dirs.put(v.getName(), podDir.resolve("volumes").resolve(v.getName()));
        fileVolumes.add(v.getName());
      } else if (v.getHostPath() != null) {
        // Never the machine's own path: local mode writes only below its work directory.
        String p = v.getHostPath().getPath().replaceFirst("^/+", "");
        dirs.put(v.getName(), host.options().workDir().resolve("hostpath").resolve(p));
      } else {
        // emptyDir, and anything else local mode cannot provide, is a fresh directory per pod.
        dirs.put(v.getName(), podDir.resolve("empty").resolve(v.getName()));
      }
    }
    synchronized (this) {
      volumes.clear();
      volumes.putAll(dirs);
    }
    try {
      Path empty = podDir.resolve("empty");
      LocalFiles.deleteRecursively(empty);
      for (Path d : dirs.values()) {
        java.nio.file.Files.createDirectories(d);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the volume directories of pod " + key, e);
    }
    if (!syncFileVolumes(true)) {
      return false;
    }
    List<Container> all = new ArrayList<>();
    if (pod.getSpec().getInitContainers() != null) {
      all.addAll(pod.getSpec().getInitContainers());
    }
    all.addAll(pod.getSpec().getContainers());
    for (Container c : all) {
      Map<String, Path> m = new LinkedHashMap<>();
      if (c.getVolumeMounts() != null) {
        for (VolumeMount vm : c.getVolumeMounts()) {
          Path dir = dirs.get(vm.getName());
          if (dir == null) {
            waiting("CreateContainerConfigError", "container " + c.getName() + " mounts unknown volume " + vm.getName());
            return false;
          }
          if (vm.getSubPath() != null && !vm.getSubPath().isEmpty()) {
            dir = dir.resolve(vm.getSubPath());
            try {
              java.nio.file.Files.createDirectories(dir);
            } catch (IOException e) {
              throw new UncheckedIOException("cannot create sub path " + dir, e);
            }
          }
          m.put(vm.getMountPath(), dir);
        }
      }
      mounts.put(c.getName(), new MountPaths(m));
    }
    waitingMessage = null;
    return true;
  }

  /** Writes ConfigMap/Secret/projected volume files; false when a required source is missing. */
  private boolean syncFileVolumes(boolean initial) {
    for (Volume v : pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
      if (!fileVolumes.contains(v.getName())) {
        continue;
      }
      try {
        Map<String, VolumeFiles.File> files = VolumeFiles.render(pod, v, host.view(), ip);
        if (VolumeFiles.sync(volumes.get(v.getName()), files) && !initial) {
          LOG.info("{}: volume {} updated", key, v.getName());
        }
      } catch (ClusterView.ConfigException e) {
        if (initial) {
          waiting(e.reason(), e.getMessage());
          return false;
        }
        // Like the kubelet: a source that disappears later leaves the last files in place.
      }
    }
    return true;
  }

  private void waiting(String reason, String message) {
    boolean changed = !reason.equals(waitingReason) || !java.util.Objects.equals(message, waitingMessage);
    waitingReason = reason;
    waitingMessage = message;
    if (changed) {
      host.changed();
    }
  }

  /** Stops every container (SIGTERM, then SIGKILL after the grace period); completes when all are gone. */
  synchronized CompletableFuture<Void> stopAsync() {
    if (stopped != null) {
      return stopped;
    }
    stage = Stage.STOPPING;
    if (main != null) {
      main.interrupt();
    }
    Duration grace = terminationGrace();
    stopped = CompletableFuture.runAsync(() -> {
      List<Thread> stoppers = new ArrayList<>();
      List<ContainerRunner> all = new ArrayList<>(runners);
      all.addAll(initRunners);
      for (ContainerRunner r : all) {
        Thread t = new Thread(() -> {
          try {
            r.stop(grace);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "stop " + key + "/" + r.name());
        t.start();
        stoppers.add(t);
      }
      for (Thread t : stoppers) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (main != null) {
        try {
          main.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      stage = Stage.STOPPED;
      LOG.info("{}: stopped (uid {})", key, uid);
      host.changed();
    }, runnable -> {
      Thread t = new Thread(runnable, "stop pod " + key);
      t.setDaemon(true);
      t.start();
    });
    return stopped;
  }

  /** SIGKILL to one container's processes (a crash); it restarts by the usual rules. */
  void killContainer(String container) throws InterruptedException {
    for (ContainerRunner r : runners) {
      if (r.name().equals(container)) {
        r.kill();
        return;
      }
    }
    throw new IllegalArgumentException("pod " + key + " has no running container " + container
        + " (containers: " + runners.stream().map(ContainerRunner::name).toList() + ")");
  }

  /** SIGKILL to one container's processes, then {@code whileDown} before it may restart. */
  void killContainerAndHold(String container, Runnable whileDown) throws InterruptedException {
    for (ContainerRunner r : runners) {
      if (r.name().equals(container)) {
        r.killAndHold(whileDown);
        return;
      }
    }
    throw new IllegalArgumentException("pod " + key + " has no running container " + container
        + " (containers: " + runners.stream().map(ContainerRunner::name).toList() + ")");
  }

  // ---- ContainerRunner.Pod

  @Override
  public ContainerLaunch.Spec launchSpec(Container container) throws ClusterView.ConfigException {
    return launch.spec(pod, container, ip, hostsFile(), mountsOf(container), podDir);
  }

  @Override
  public Prober.Result exec(Container container, List<String> command, long timeoutMillis) {
    try {
      ContainerLaunch.Spec base = launchSpec(container);
      ContainerLaunch.Spec spec = launch.execSpec(base, command, hostsFile(), mountsOf(container), container.getName());
      ProcessBuilder pb = new ProcessBuilder(spec.argv()).directory(spec.workingDir().toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().clear();
      pb.environment().putAll(spec.env());
      Process p = pb.start();
      p.getOutputStream().close();
      return Prober.awaitExec(p, timeoutMillis);
    } catch (ClusterView.ConfigException | IOException | RuntimeException e) {
      return Prober.Result.failed("exec probe could not run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Prober.Result.failed("interrupted");
    }
  }

  private MountPaths mountsOf(Container container) {
    MountPaths m = mounts.get(container.getName());
    return m == null ? new MountPaths(Map.of()) : m;
  }

  @Override
  public String podIp() {
    return ip;
  }

  @Override
  public String podKey() {
    return key;
  }

  @Override
  public Path logFile(String container) {
    return podDir.resolve(container + ".log");
  }

  @Override
  public Path pidFile(String container) {
    return podDir.resolve(container + ".pid");
  }

  @Override
  public Duration terminationGrace() {
    Long s = pod.getSpec().getTerminationGracePeriodSeconds();
    return Duration.ofSeconds(s == null ? 30 : Math.max(0, s));
  }

  @Override
  public String restartPolicy() {
    String p = pod.getSpec().getRestartPolicy();
    return p == null ? "Always" : p;
  }

  @Override
  public void changed() {
    host.changed();
  }

  // ---- status

  /** The status this pod should show, keeping conditions that others set (readiness gates). */
  PodStatus status(PodStatus current) {
    Instant now = Instant.now();
    Stage s = stage;
    List<ContainerRunner.Snapshot> inits = initRunners.stream().map(ContainerRunner::snapshot).toList();
    List<ContainerRunner.Snapshot> mains = runners.stream().map(ContainerRunner::snapshot).toList();
    boolean initialized = s == Stage.RUNNING || (s == Stage.STOPPING && !mains.isEmpty());
    boolean containersReady = s == Stage.RUNNING && !mains.isEmpty() && mains.stream().allMatch(ContainerRunner.Snapshot::ready);
    boolean gatesPass = true;
    List<PodCondition> foreign = new ArrayList<>();
    if (current != null && current.getConditions() != null) {
      for (PodCondition c : current.getConditions()) {
        if (!OWN_CONDITIONS.contains(c.getType())) {
          foreign.add(c);
        }
      }
    }
    if (pod.getSpec().getReadinessGates() != null) {
      for (PodReadinessGate gate : pod.getSpec().getReadinessGates()) {
        gatesPass &= foreign.stream().anyMatch(c -> gate.getConditionType().equals(c.getType()) && "True".equals(c.getStatus()));
      }
    }
    List<PodCondition> conds = new ArrayList<>();
    synchronized (conditions) {
      conds.add(condition("PodScheduled", true, null, createdAt));
      conds.add(condition("Initialized", initialized, initialized ? null : "ContainersNotInitialized", now));
      conds.add(condition("ContainersReady", containersReady, containersReady ? null : "ContainersNotReady", now));
      boolean ready = containersReady && gatesPass;
      conds.add(condition("Ready", ready, ready ? null : containersReady ? "ReadinessGatesNotReady" : "ContainersNotReady", now));
    }
    conds.addAll(foreign);

    String phase = "Pending";
    if (s == Stage.RUNNING || s == Stage.STOPPING || s == Stage.STOPPED) {
      phase = mains.isEmpty() ? "Pending" : "Running";
      if (!"Always".equals(restartPolicy()) && !runners.isEmpty() && runners.stream().allMatch(ContainerRunner::isFinished)) {
        boolean ok = mains.stream().allMatch(m -> m.state().exitCode() != null && m.state().exitCode() == 0);
        phase = ok ? "Succeeded" : "Failed";
      }
    } else if (!"Always".equals(restartPolicy()) && !initRunners.isEmpty()
        && initRunners.stream().anyMatch(r -> r.isFinished() && !Integer.valueOf(0).equals(r.snapshot().state().exitCode()))) {
      phase = "Failed";
    }

    List<ContainerStatus> initStatuses = new ArrayList<>();
    List<Container> initSpecs = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
    for (Container c : initSpecs) {
      ContainerRunner.Snapshot snap = inits.stream().filter(x -> x.name().equals(c.getName())).findFirst().orElse(null);
      initStatuses.add(snap != null ? toStatus(snap) : notStarted(c, s == Stage.PREPARING ? waitingReason : "PodInitializing"));
    }
    List<ContainerStatus> statuses = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      ContainerRunner.Snapshot snap = mains.stream().filter(x -> x.name().equals(c.getName())).findFirst().orElse(null);
      statuses.add(snap != null ? toStatus(snap)
          : notStarted(c, s == Stage.PREPARING ? waitingReason : "PodInitializing"));
    }
    PodStatusBuilder b = new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(conds)
        .withHostIP("127.0.0.1")
        .withPodIP(ip)
        .withPodIPs(new PodIP(ip))
        .withContainerStatuses(statuses)
        .withInitContainerStatuses(initStatuses)
        .withQosClass("BestEffort");
    b.addNewHostIP("127.0.0.1");
    if (startTime != null) {
      b.withStartTime(time(startTime));
    }
    if (s == Stage.PREPARING && waitingMessage != null) {
      b.withMessage(waitingMessage);
    }
    return b.build();
  }

  private ContainerStatus notStarted(Container c, String reason) {
    return new ContainerStatusBuilder()
        .withName(c.getName())
        .withImage(c.getImage() == null ? "" : c.getImage())
        .withImageID("")
        .withReady(false)
        .withStarted(false)
        .withRestartCount(0)
        .withState(new ContainerStateBuilder().withNewWaiting().withReason(reason)
            .withMessage(stage == Stage.PREPARING ? waitingMessage : null).endWaiting().build())
        .build();
  }

  private static ContainerStatus toStatus(ContainerRunner.Snapshot s) {
    ContainerStatusBuilder b = new ContainerStatusBuilder()
        .withName(s.name())
        .withImage(s.image() == null ? "" : s.image())
        .withImageID("")
        .withReady(s.ready())
        .withStarted(s.started())
        .withRestartCount(s.restartCount())
        .withState(toState(s.state()));
    if (s.state().pid() > 0) {
      b.withContainerID("local://" + s.state().pid());
    }
    if (s.lastState() != null) {
      b.withLastState(toState(s.lastState()));
    }
    return b.build();
  }

  private static ContainerState toState(ContainerRunner.State s) {
    switch (s.kind()) {
      case RUNNING:
        return new ContainerStateBuilder().withNewRunning().withStartedAt(time(s.startedAt())).endRunning().build();
      case TERMINATED:
        return new ContainerStateBuilder().withNewTerminated()
            .withExitCode(s.exitCode())
            .withReason(s.reason())
            .withMessage(s.message())
            .withStartedAt(time(s.startedAt()))
            .withFinishedAt(time(s.finishedAt()))
            .withContainerID(s.pid() > 0 ? "local://" + s.pid() : null)
            .endTerminated().build();
      default:
        return new ContainerStateBuilder().withNewWaiting().withReason(s.reason()).withMessage(s.message()).endWaiting().build();
    }
  }

  /** A condition whose transition time moves only when its status flips. */
  private PodCondition condition(String type, boolean value, String reason, Instant now) {
    String status = value ? "True" : "False";
    PodCondition previous = conditions.get(type);
    String since = previous != null && status.equals(previous.getStatus()) ? previous.getLastTransitionTime() : time(now);
    PodCondition c = new PodConditionBuilder().withType(type).withStatus(status).withReason(reason)
        .withLastTransitionTime(since).build();
    conditions.put(type, c);
    return c;
  }

  static String time(Instant i) {
    return i == null ? null : i.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
