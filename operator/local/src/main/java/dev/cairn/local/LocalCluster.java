package dev.cairn.local;

import dev.cairn.controller.CairnOperator;
import dev.cairn.controller.OperatorConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole local cluster under one work directory: the API server (in memory) with its
 * kubeconfig, the S3 store, the pod runner that plays StatefulSet controller and kubelet, and on
 * request the cairn operator in this JVM ({@link #startOperator}); plus the garbage collection by
 * owner references that a real API server does.
 *
 * <pre>
 * &lt;work&gt;/kubeconfig                 for kubectl and every process (KUBECONFIG)
 * &lt;work&gt;/hosts                      pod and Service names, for JVMs (-Djdk.net.hosts.file)
 * &lt;work&gt;/pod-addresses.properties   namespace/pod = 127.x.y.z, kept across restarts
 * &lt;work&gt;/volumes/&lt;ns&gt;/&lt;claim&gt;/       one directory per PersistentVolumeClaim (member data)
 * &lt;work&gt;/pods/&lt;ns&gt;/&lt;pod&gt;/           container logs, pid files, the pod's hosts file, volumes
 * &lt;work&gt;/s3/objects/cairn-local/     the backup bucket; &lt;work&gt;/s3/credentials.env
 * </pre>
 *
 * <p>Starting again on the same directory resumes: the API starts empty (apply the same objects
 * again), while claim directories, pod addresses and the bucket are reused, so members come back
 * with their data.
 */
public final class LocalCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

  public static final int DEFAULT_API_PORT = 6443;
  public static final String NAMESPACE = "default";
  /**
   * A name only the hosts files know ({@code 127.0.0.1}, where the API server and S3 store listen):
   * a JVM that resolves it reads {@code <work>/hosts}.
   */
  public static final String HOSTS_FILE_PROBE = HostsFile.SHARED_SERVICES;

  /** How to start a local cluster; only the work directory is required. */
  public static final class Options {
    private final Path workDir;
    private int apiPort = DEFAULT_API_PORT;
    private int s3Port = LocalS3.DEFAULT_PORT;
    private Consumer<PodRunnerOptions.Builder> podRunner = b -> { };

    public Options(Path workDir) {
      this.workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath().normalize();
    }

    /** The API server's port on 127.0.0.1 (default 6443; 0 = any free port). */
    public Options apiPort(int port) {
      this.apiPort = port;
      return this;
    }

    /** The S3 store's port on 127.0.0.1 (default 9000; 0 = any free port). */
    public Options s3Port(int port) {
      this.s3Port = port;
      return this;
    }

    /** Adjusts the pod runner (cairn launcher, probe speed, pod subnet ...). */
    public Options podRunner(Consumer<PodRunnerOptions.Builder> customize) {
      this.podRunner = Objects.requireNonNull(customize);
      return this;
    }

    public Path workDir() {
      return workDir;
    }
  }

  private final Path workDir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private LocalApiServer api;
  private LocalS3 s3;
  private PodRunner podRunner;
  private Path kubeconfig;
  private CairnOperator operator;
  private LocalGarbageCollector garbageCollector;
  private KubernetesClient operatorClient;

  private LocalCluster(Path workDir, FileChannel lockChannel, FileLock lock) {
    this.workDir = workDir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Starts every part; on failure stops what already runs and throws. */
  public static LocalCluster start(Options options) {
    Path work = options.workDir;
    FileChannel channel;
    FileLock lock;
    try {
      Files.createDirectories(work);
      channel = FileChannel.open(work.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        lock = channel.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        lock = null; // held by this very JVM
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create or lock the work directory " + work, e);
    }
    if (lock == null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing held
      }
      throw new IllegalStateException("another local cluster is running on " + work
          + "; stop it (Ctrl-C) or use another --work-dir");
    }
    LocalCluster cluster = new LocalCluster(work, channel, lock);
    try {
      cluster.startParts(options);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void startParts(Options options) {
    PodRunnerOptions.Builder runnerOptions = PodRunnerOptions.builder(workDir);
    options.podRunner.accept(runnerOptions);
    PodRunnerOptions built = runnerOptions.build();
    // JVMs that read the hosts file resolve nothing else: it must exist before any of them looks up a name.
    if (!Files.exists(built.hostsFile())) {
      HostsFile.writeIfChanged(built.hostsFile(), new HostsFile(built.clusterDomain(), "").renderShared(List.of(), List.of()));
    }
    api = LocalApiServer.start(options.apiPort);
    kubeconfig = api.writeKubeconfig(built.kubeconfig());
    api.client().nodes().resource(new NodeBuilder()
        .withNewMetadata().withName(built.nodeName()).addToLabels("kubernetes.io/hostname", built.nodeName()).endMetadata()
        .withNewStatus().addNewCondition().withType("Ready").withStatus("True").withReason("CairnLocal").endCondition()
        .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress().endStatus()
        .build()).create();
    garbageCollector = LocalGarbageCollector.start(api.client(), api.resources(), Duration.ofSeconds(2));
    s3 = LocalS3.start(workDir.resolve("s3"), options.s3Port);
    s3.createSecret(api.client(), NAMESPACE);
    podRunner = PodRunner.start(api.client(), built);
    PodRunner runner = podRunner;
    api.serveLogsFrom((ns, pod, container) -> java.util.Optional.of(runner.logFile(ns, pod, container)));
    LOG.info("local cluster up: API {} S3 {} work {}", api.url(), s3.endpoint(), workDir);
  }

  public Path workDir() {
    return workDir;
  }

  /** The kubeconfig for kubectl and any client of this cluster. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  public KubernetesClient client() {
    return api.client();
  }

  public LocalApiServer api() {
    return api;
  }

  public LocalS3 s3() {
    return s3;
  }

  public PodRunner podRunner() {
    return podRunner;
  }

  /**
   * Creates the objects of a YAML or JSON file (several documents allowed), or updates those that
   * exist, like {@code kubectl apply} for a fresh cluster.
   */
  public List<HasMetadata> apply(Path file) {
    List<HasMetadata> applied = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      for (HasMetadata item : client().load(in).items()) {
        if (item.getMetadata().getNamespace() == null && isNamespaced(item)) {
          item.getMetadata().setNamespace(NAMESPACE);
        }
        try {
          applied.add(client().resource(item).create());
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw new IllegalStateException("cannot create " + item.getKind() + " " + item.getMetadata().getName()
                + " from " + file + ": " + e.getMessage(), e);
          }
          item.getMetadata().setResourceVersion(null);
          applied.add(client().resource(item).update());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return applied;
  }

  private boolean isNamespaced(HasMetadata item) {
    return api.isNamespaced(item.getApiVersion(), item.getKind());
  }

  /**
   * Starts the cairn operator in this JVM against this cluster (without leader election: there is
   * one). Its client is its own, closed with the cluster. Returns the running operator.
   */
  public synchronized CairnOperator startOperator(OperatorConfig config) {
    if (operator != null) {
      throw new IllegalStateException("the operator already runs in this local cluster");
    }
    operatorClient = api.newClient();
    operator = CairnOperator.builder(operatorClient).config(config).identity("cairn-local-operator").build().start();
    return operator;
  }

  /** {@link #startOperator(OperatorConfig)} with the operator's defaults. */
  public CairnOperator startOperator() {
    return startOperator(OperatorConfig.defaults());
  }

  /** The operator started by {@link #startOperator}, or null. */
  public synchronized CairnOperator operator() {
    return operator;
  }

  /** Stops the pods (gracefully), the S3 store and the API server; every directory stays. */
  @Override
  public void close() {
    RuntimeException failure = null;
    // The operator first, so it does not react to pods going away; the pods before the servers they use.
    for (AutoCloseable part : new AutoCloseable[] {operator, operatorClient, garbageCollector, podRunner, s3, api}) {
      if (part == null) {
        continue;
      }
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("cannot stop {}: {}", part.getClass().getSimpleName(), e.toString());
        if (failure == null) {
          failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
      }
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.debug("cannot release the work directory lock", e);
    }
    if (failure != null) {
      throw failure;
    }
  }
}
