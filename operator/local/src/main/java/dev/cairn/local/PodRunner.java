package dev.cairn.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the StatefulSet controller and the kubelet against a Kubernetes API (in practice local
 * mode's own): it creates the pods and claims of every StatefulSet and keeps its status, runs each
 * pod's containers as local processes on the pod's own loopback address, maps every claim to a
 * directory of the work directory, keeps pod status and the hosts files in step with the processes,
 * and garbage-collects what a deleted StatefulSet owned.
 *
 * <p>One thread makes every decision (a level-triggered pass over the informers' caches, after any
 * change and at least every {@link PodRunnerOptions#resync()}); containers are supervised by their
 * own threads and report back by requesting a pass. It writes an object only when what it computed
 * differs from what the API holds.
 *
 * <p>Start one with {@link #start(KubernetesClient, PodRunnerOptions)}; {@link #close()} stops every
 * pod's processes gracefully and leaves all directories in place for the next start.
 */
public final class PodRunner implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PodRunner.class);
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final PodRunnerOptions options;
  private final StatefulSetPlanner planner;
  private final PodAddresses addresses;
  private final HostsFile hosts;

  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<StatefulSet> statefulSets;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<ConfigMap> configMaps;
  private final SharedIndexInformer<Secret> secrets;

  /** Runtimes of pods that exist, by namespace/name. */
  private final Map<String, PodRuntime> active = new ConcurrentHashMap<>();
  /** Runtimes whose pod is gone and whose processes are still stopping, by namespace/name. */
  private final Map<String, PodRuntime> stopping = new ConcurrentHashMap<>();
  /** Claims seen in the API during this run, namespace/name to uid: only these directories may be deleted. */
  private final Map<String, String> seenClaims = new HashMap<>();
  /** Claims deleted from the API whose directories go once no pod uses them. */
  private final Set<String> claimsToDelete = ConcurrentHashMap.newKeySet();

  private final BlockingQueue<Boolean> wakeUp = new ArrayBlockingQueue<>(1);
  private final Thread loop;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private PodRunner(KubernetesClient client, PodRunnerOptions options) {
    this.client = client;
    this.options = options;
    this.planner = new StatefulSetPlanner(options.nodeName());
    this.addresses = new PodAddresses(options.workDir().resolve("pod-addresses.properties"), options.podSubnet());
    this.hosts = new HostsFile(options.clusterDomain(), machineHostname());
    ResourceEventHandler<HasMetadata> wake = new ResourceEventHandler<>() {
      @Override
      public void onAdd(HasMetadata obj) {
        requestSync();
      }

      @Override
      public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
        requestSync();
      }

      @Override
      public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
        requestSync();
      }
    };
    long resync = 0; // the pass loop already runs periodically
    this.pods = client.pods().inAnyNamespace().runnableInformer(resync);
    this.statefulSets = client.apps().statefulSets().inAnyNamespace().runnableInformer(resync);
    this.claims = client.persistentVolumeClaims().inAnyNamespace().runnableInformer(resync);
    this.services = client.services().inAnyNamespace().runnableInformer(resync);
    this.configMaps = client.configMaps().inAnyNamespace().runnableInformer(resync);
    this.secrets = client.secrets().inAnyNamespace().runnableInformer(resync);
    for (SharedIndexInformer<? extends HasMetadata> i : informers()) {
      @SuppressWarnings("unchecked")
      SharedIndexInformer<HasMetadata> any = (SharedIndexInformer<HasMetadata>) i;
      any.addEventHandler(wake);
    }
    this.loop = new Thread(this::runLoop, "pod-runner");
    this.loop.setDaemon(true);
    // Should the JVM end without close() (a killed test run), no process of ours may outlive it.
    this.shutdownHook = new Thread(this::killEverything, "pod-runner-reaper");
  }

  /**
   * Starts a runner: kills processes a previous run in the same work directory left behind (it
   * ended without stopping them), starts the informers and waits until they are synced, then runs.
   */
  public static PodRunner start(KubernetesClient client, PodRunnerOptions options) {
    try {
      Files.createDirectories(options.workDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the work directory " + options.workDir(), e);
    }
    killLeftoverProcesses(options.workDir().resolve("pods"));
    PodRunner runner = new PodRunner(client, options);
    try {
      List<CompletableFuture<Void>> started = new ArrayList<>();
      for (SharedIndexInformer<? extends HasMetadata> i : runner.informers()) {
        started.add(i.start().toCompletableFuture());
      }
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
          .get(SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      runner.informers().forEach(SharedIndexInformer::stop);
      throw new IllegalStateException("the pod runner could not list and watch the API at "
          + client.getConfiguration().getMasterUrl() + " within " + SYNC_TIMEOUT.toSeconds() + " s: " + e
          + "; is the API server running?", e);
    }
    Runtime.getRuntime().addShutdownHook(runner.shutdownHook);
    runner.loop.start();
    LOG.info("pod runner started in {}", options.workDir());
    return runner;
  }

  private List<SharedIndexInformer<? extends HasMetadata>> informers() {
    return List.of(pods, statefulSets, claims, services, configMaps, secrets);
  }

  public PodRunnerOptions options() {
    return options;
  }

  /** The loopback address of a pod (assigned when it first ran here), if it has one. */
  public Optional<String> podIp(String namespace, String pod) {
    return Optional.ofNullable(addresses.all().get(namespace + "/" + pod));
  }

  /** {@code <work>/pods/<ns>/<pod>}: logs, pid files, hosts file and non-claim volumes of a pod. */
  public Path podDirectory(String namespace, String pod) {
    return options.workDir().resolve("pods").resolve(namespace).resolve(pod);
  }

  /** {@code <work>/pods/<ns>/<pod>/<container>.log}: every start of the container appended. */
  public Path logFile(String namespace, String pod, String container) {
    return podDirectory(namespace, pod).resolve(container + ".log");
  }

  /** {@code <work>/volumes/<ns>/<claim>}: the directory behind a PersistentVolumeClaim. */
  public Path claimDirectory(String namespace, String claim) {
    return options.workDir().resolve("volumes").resolve(namespace).resolve(claim);
  }

  /** The shared hosts file ({@code <work>/hosts}). */
  public Path hostsFile() {
    return options.hostsFile();
  }

  /** The hosts file the JVMs of one pod use. */
  public Path podHostsFile(String namespace, String pod) {
    return podDirectory(namespace, pod).resolve("hosts");
  }

  /** Whether processes of this pod (any incarnation) are still running or stopping. */
  public boolean hasProcesses(String namespace, String pod) {
    String key = namespace + "/" + pod;
    PodRuntime a = active.get(key);
    return stopping.containsKey(key) || (a != null && a.stage() != PodRuntime.Stage.STOPPED);
  }

  /**
   * SIGKILL to a running container's whole process tree, as a crash: the pod's restart policy and
   * back-off then apply. Returns when the killed processes are gone.
   */
  public void killContainer(String namespace, String pod, String container) throws InterruptedException {
    PodRuntime r = active.get(namespace + "/" + pod);
    if (r == null) {
      throw new IllegalArgumentException("pod " + namespace + "/" + pod + " is not running here (running: "
          + active.keySet() + ")");
    }
    r.killContainer(container);
  }

  /**
   * As {@link #killContainer}, then runs {@code whileDown} (for example, damage to the pod's volume)
   * before the container may start again; the restart rules apply after it. For tests of crashes
   * that leave a disk behind in a given state.
   */
  public void killContainer(String namespace, String pod, String container, Runnable whileDown)
      throws InterruptedException {
    PodRuntime r = active.get(namespace + "/" + pod);
    if (r == null) {
      throw new IllegalArgumentException("pod " + namespace + "/" + pod + " is not running here (running: "
          + active.keySet() + ")");
    }
    r.killContainerAndHold(container, whileDown);
  }

  /** Asks for a pass soon (coalesced). */
  void requestSync() {
    wakeUp.offer(Boolean.TRUE);
  }

  private void runLoop() {
    while (!closed) {
      try {
        wakeUp.poll(options.resync().toMillis(), TimeUnit.MILLISECONDS);
        if (closed) {
          return;
        }
        syncOnce();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!closed) {
          LOG.warn("pod runner pass failed (retrying): {}", e.toString(), e);
        }
      }
    }
  }

  /** One pass: kubelet, StatefulSets, garbage, claims, names. */
  synchronized void syncOnce() {
    if (closed) {
      return;
    }
    Map<String, Pod> podsByKey = new LinkedHashMap<>();
    pods.getStore().list().forEach(p -> podsByKey.put(Pods.key(p), p));
    syncKubelet(podsByKey);
    syncStatefulSets(podsByKey);
    collectGarbage();
    syncClaimDirectories();
    syncHosts();
  }

  // ---------------------------------------------------------------- kubelet

  private void syncKubelet(Map<String, Pod> podsByKey) {
    for (Map.Entry<String, PodRuntime> e : new ArrayList<>(active.entrySet())) {
      Pod pod = podsByKey.get(e.getKey());
      PodRuntime r = e.getValue();
      if (pod == null || !r.uid().equals(pod.getMetadata().getUid()) || Pods.isTerminating(pod)) {
        active.remove(e.getKey());
        stopping.put(e.getKey(), r);
        LOG.info("{}: pod deleted, stopping its processes", e.getKey());
        r.stopAsync().whenComplete((v, t) -> {
          stopping.remove(e.getKey(), r);
          requestSync();
        });
      }
    }
    for (Pod pod : podsByKey.values()) {
      String key = Pods.key(pod);
      PodRuntime r = active.get(key);
      if (r == null) {
        if (stopping.containsKey(key) || Pods.isTerminating(pod) || isFinished(pod)) {
          continue;
        }
        String ip = addresses.addressOf(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        r = new PodRuntime(kubeletHost, pod, ip,
            podDirectory(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        active.put(key, r);
        LOG.info("{}: starting pod (uid {}) on {}", key, pod.getMetadata().getUid(), ip);
        writePodHosts(r);
        r.start();
      } else {
        r.refresh(pod);
      }
      writeStatus(pod, r);
    }
  }

  /** A pod that completed before this runner started is not run again (Succeeded/Failed are final). */
  private static boolean isFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private void writeStatus(Pod pod, PodRuntime r) {
    PodStatus desired = r.status(pod.getStatus());
    if (Json.sameContent(desired, pod.getStatus())) {
      return;
    }
    // The uid test makes the write fail rather than land on a newer pod of the same name.
    String patch = "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":" + Json.tree(r.uid())
        + "},{\"op\":\"add\",\"path\":\"/status\",\"value\":" + Json.tree(desired) + "}]";
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409 && e.getCode() != 422) {
        throw e;
      }
      requestSync();
    }
  }

  private final PodRuntime.Host kubeletHost = new PodRuntime.Host() {
    @Override
    public ClusterView view() {
      return view;
    }

    @Override
    public PodRunnerOptions options() {
      return options;
    }

    @Override
    public Path claimDirectory(String namespace, String claim) {
      String key = namespace + "/" + claim;
      if (claimsToDelete.contains(key)) {
        return null;
      }
      PersistentVolumeClaim pvc = claims.getStore().getByKey(key);
      if (pvc == null || Pods.isTerminating(pvc)) {
        return null;
      }
      return PodRunner.this.claimDirectory(namespace, claim);
    }

    @Override
    public void changed() {
      requestSync();
    }
  };

  private final ClusterView view = new ClusterView() {
    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
      return Optional.ofNullable(configMaps.getStore().getByKey(namespace + "/" + name));
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
      return Optional.ofNullable(secrets.getStore().getByKey(namespace + "/" + name));
    }
  };

  // ---------------------------------------------------------------- StatefulSet controller

  private void syncStatefulSets(Map<String, Pod> podsByKey) {
    Set<String> claimNames = claims.getStore().list().stream().map(Pods::key).collect(Collectors.toSet());
    Instant now = Instant.now();
    for (StatefulSet sts : statefulSets.getStore().list()) {
      if (Pods.isTerminating(sts)) {
        continue;
      }
      String ns = sts.getMetadata().getNamespace();
      String uid = sts.getMetadata().getUid();
      Map<String, Pod> owned = new LinkedHashMap<>();
      for (Pod p : podsByKey.values()) {
        if (ns.equals(p.getMetadata().getNamespace())
            && Pods.controllerOf(p).map(ref -> uid.equals(ref.getUid())).orElse(false)) {
          owned.put(p.getMetadata().getName(), p);
        }
      }
      Set<String> stoppingNames = new HashSet<>();
      String prefix = ns + "/";
      for (String key : stopping.keySet()) {
        if (key.startsWith(prefix)) {
          String name = key.substring(prefix.length());
          if (StatefulSetPlanner.ordinal(sts.getMetadata().getName(), name) >= 0 && !owned.containsKey(name)) {
            stoppingNames.add(name);
          }
        }
      }
      Set<String> nsClaims = claimNames.stream().filter(k -> k.startsWith(prefix))
          .map(k -> k.substring(prefix.length())).collect(Collectors.toSet());
      StatefulSetPlanner.Plan plan = planner.plan(sts, owned, stoppingNames, nsClaims, now);
      execute(sts, plan);
    }
  }

  private void execute(StatefulSet sts, StatefulSetPlanner.Plan plan) {
    String ns = sts.getMetadata().getNamespace();
    String name = sts.getMetadata().getName();
    for (PersistentVolumeClaim pvc : plan.createClaims()) {
      LOG.info("{}/{}: creating claim {}", ns, name, pvc.getMetadata().getName());
      createIgnoringConflict(() -> {
        PersistentVolumeClaim created = client.persistentVolumeClaims().inNamespace(ns).resource(pvc).create();
        if (created.getStatus() == null || !"Bound".equals(created.getStatus().getPhase())) {
          // A JSON patch: the store's merge patch appends to lists instead of replacing them.
          client.persistentVolumeClaims().inNamespace(ns).withName(pvc.getMetadata().getName())
              .subresource("status").patch(PatchContext.of(PatchType.JSON),
                  "[{\"op\":\"add\",\"path\":\"/status\",\"value\":" + Json.tree(pvc.getStatus()) + "}]");
        }
      });
    }
    for (Pod pod : plan.createPods()) {
      LOG.info("{}/{}: creating pod {} ({})", ns, name, pod.getMetadata().getName(),
          pod.getMetadata().getLabels().get(Pods.REVISION_LABEL));
      createIgnoringConflict(() -> client.pods().inNamespace(ns).resource(pod).create());
    }
    for (String pod : plan.deletePods()) {
      LOG.info("{}/{}: deleting pod {}", ns, name, pod);
      client.pods().inNamespace(ns).withName(pod).delete();
    }
    for (String claim : plan.deleteClaims()) {
      LOG.info("{}/{}: deleting claim {} (retention policy whenScaled: Delete)", ns, name, claim);
      client.persistentVolumeClaims().inNamespace(ns).withName(claim).delete();
    }
    StatefulSetStatus current = sts.getStatus();
    if (!Json.sameContent(plan.status(), current)) {
      String patch = "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":"
          + Json.tree(sts.getMetadata().getUid())
          + "},{\"op\":\"add\",\"path\":\"/status\",\"value\":" + Json.tree(plan.status()) + "}]";
      try {
        client.apps().statefulSets().inNamespace(ns).withName(name).subresource("status")
            .patch(PatchContext.of(PatchType.JSON), patch);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404 && e.getCode() != 422) {
          throw e;
        }
      }
    }
    if (!plan.isEmpty()) {
      requestSync();
    }
  }

  private void createIgnoringConflict(Runnable create) {
    try {
      create.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Already there: the cache had not seen it yet.
    }
  }

  /**
   * The API server here collects no garbage: pods (and claims) controlled by a StatefulSet that no
   * longer exists are deleted, like Kubernetes' garbage collector would.
   */
  private void collectGarbage() {
    if (!statefulSets.hasSynced()) {
      return;
    }
    Set<String> liveUids = statefulSets.getStore().list().stream().map(s -> s.getMetadata().getUid())
        .collect(Collectors.toSet());
    for (Pod p : pods.getStore().list()) {
      if (ownedByMissingStatefulSet(p, liveUids)) {
        LOG.info("{}: its StatefulSet is gone, deleting the pod", Pods.key(p));
        client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
      }
    }
    for (PersistentVolumeClaim c : claims.getStore().list()) {
      if (ownedByMissingStatefulSet(c, liveUids)) {
        LOG.info("{}: its StatefulSet is gone and its retention policy says Delete, deleting the claim", Pods.key(c));
        client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace())
            .withName(c.getMetadata().getName()).delete();
      }
    }
  }

  private static boolean ownedByMissingStatefulSet(HasMetadata o, Set<String> liveUids) {
    return Pods.controllerOf(o)
        .filter(ref -> "StatefulSet".equals(ref.getKind()))
        .map(ref -> !liveUids.contains(ref.getUid()))
        .orElse(false);
  }

  // ---------------------------------------------------------------- claims

  /**
   * A claim deleted from the API loses its directory once no pod of this runner uses it. Only
   * claims seen during this run count: a directory whose claim is not (yet) in the API at start is
   * data to resume from, never garbage.
   */
  private void syncClaimDirectories() {
    Map<String, String> present = new HashMap<>();
    for (PersistentVolumeClaim c : claims.getStore().list()) {
      present.put(Pods.key(c), c.getMetadata().getUid());
    }
    for (Map.Entry<String, String> seen : new ArrayList<>(seenClaims.entrySet())) {
      String uidNow = present.get(seen.getKey());
      if (uidNow == null || !uidNow.equals(seen.getValue())) {
        claimsToDelete.add(seen.getKey());
        seenClaims.remove(seen.getKey());
      }
    }
    for (String key : new ArrayList<>(claimsToDelete)) {
      if (claimInUse(key)) {
        continue;
      }
      String[] nsName = key.split("/", 2);
      Path dir = claimDirectory(nsName[0], nsName[1]);
      try {
        LocalFiles.deleteRecursively(dir);
        LOG.info("{}: claim deleted, removed {}", key, dir);
      } catch (IOException e) {
        LOG.warn("{}: cannot remove {}: {}", key, dir, e.toString());
        continue;
      }
      claimsToDelete.remove(key);
    }
    present.forEach((key, uid) -> {
      if (!claimsToDelete.contains(key)) {
        seenClaims.put(key, uid);
      }
    });
  }

  private boolean claimInUse(String claimKey) {
    return Stream.concat(active.values().stream(), stopping.values().stream())
        .filter(r -> r.stage() != PodRuntime.Stage.STOPPED)
        .anyMatch(r -> r.claims().stream()
            .anyMatch(c -> claimKey.equals(r.pod().getMetadata().getNamespace() + "/" + c)));
  }

  // ---------------------------------------------------------------- names

  private void syncHosts() {
    List<HostsFile.PodName> podNames = podNames();
    List<HostsFile.ServiceName> serviceNames = serviceNames();
    HostsFile.writeIfChanged(options.hostsFile(), hosts.renderShared(podNames, serviceNames));
    for (PodRuntime r : active.values()) {
      HostsFile.writeIfChanged(r.hostsFile(), hosts.renderForPod(self(r), podNames, serviceNames));
    }
  }

  private void writePodHosts(PodRuntime r) {
    HostsFile.writeIfChanged(r.hostsFile(), hosts.renderForPod(self(r), podNames(), serviceNames()));
  }

  private static HostsFile.PodName self(PodRuntime r) {
    Pod p = r.pod();
    return new HostsFile.PodName(p.getMetadata().getNamespace(), p.getMetadata().getName(),
        ContainerLaunch.hostname(p), p.getSpec().getSubdomain(), r.ip());
  }

  private List<HostsFile.PodName> podNames() {
    List<HostsFile.PodName> out = new ArrayList<>();
    for (PodRuntime r : active.values()) {
      out.add(self(r));
    }
    return out;
  }

  /** Each Service with a selector names one Ready pod it selects (every one, when headless). */
  private List<HostsFile.ServiceName> serviceNames() {
    List<HostsFile.ServiceName> out = new ArrayList<>();
    for (Service svc : services.getStore().list()) {
      var spec = svc.getSpec();
      if (spec == null || spec.getSelector() == null || spec.getSelector().isEmpty()) {
        continue;
      }
      boolean headless = "None".equals(spec.getClusterIP());
      boolean notReadyToo = Boolean.TRUE.equals(spec.getPublishNotReadyAddresses());
      List<String> ips = active.values().stream()
          .filter(r -> svc.getMetadata().getNamespace().equals(r.pod().getMetadata().getNamespace()))
          .filter(r -> selects(spec.getSelector(), r.pod().getMetadata().getLabels()))
          .filter(r -> notReadyToo ? r.stage() == PodRuntime.Stage.RUNNING : r.isReady())
          .sorted((a, b) -> a.pod().getMetadata().getName().compareTo(b.pod().getMetadata().getName()))
          .map(PodRuntime::ip)
          .collect(Collectors.toList());
      if (ips.isEmpty()) {
        continue;
      }
      out.add(new HostsFile.ServiceName(svc.getMetadata().getNamespace(), svc.getMetadata().getName(),
          headless ? ips : List.of(ips.get(0))));
    }
    return out;
  }

  static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    if (labels == null) {
      return selector.isEmpty();
    }
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    return selector == null || selects(selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels(), labels);
  }

  private static String machineHostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String env = System.getenv("HOSTNAME");
      return env == null ? "" : env;
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Processes a previous runner on this work directory started and never stopped (the JVM was
   * killed): identified by pid and start time from the pid files, so an unrelated process that
   * reuses a pid is never touched.
   */
  static void killLeftoverProcesses(Path podsDir) {
    if (!Files.isDirectory(podsDir)) {
      return;
    }
    List<Path> pidFiles;
    try (Stream<Path> walk = Files.walk(podsDir, 3)) {
      pidFiles = walk.filter(p -> p.getFileName().toString().endsWith(".pid")).collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot scan " + podsDir + " for pid files", e);
    }
    for (Path f : pidFiles) {
      try {
        String[] parts = Files.readString(f, StandardCharsets.UTF_8).trim().split("\\s+");
        long pid = Long.parseLong(parts[0]);
        long startMillis = parts.length > 1 ? Long.parseLong(parts[1]) : -1;
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent() && h.get().info().startInstant().map(Instant::toEpochMilli).orElse(-2L) == startMillis) {
          LOG.warn("killing process {} (and its children) left running by a previous local mode run ({})", pid, f);
          ProcessTree.kill(h.get());
        }
        Files.deleteIfExists(f);
      } catch (IOException | NumberFormatException e) {
        LOG.warn("ignoring unreadable pid file {}: {}", f, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Stops every pod's processes gracefully (in parallel) and the informers; directories stay. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    loop.interrupt();
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (PodRuntime r : active.values()) {
      stops.add(r.stopAsync());
    }
    for (PodRuntime r : stopping.values()) {
      stops.add(r.stopAsync());
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.warn("not every pod stopped in time: {}", e.toString());
      killEverything();
    }
    informers().forEach(SharedIndexInformer::stop);
    try {
      loop.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook runs or has run.
    }
    LOG.info("pod runner stopped");
  }

  /** Last resort (JVM exit without close): SIGKILL to every process tree recorded in a pid file. */
  private void killEverything() {
    killLeftoverProcesses(options.workDir().resolve("pods"));
  }

  /** For tests: every pod runtime, active and stopping. */
  Collection<PodRuntime> runtimes() {
    List<PodRuntime> all = new ArrayList<>(active.values());
    all.addAll(stopping.values());
    return all;
  }
}
