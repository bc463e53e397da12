package dev.cairn.e2e;

import dev.cairn.controller.OperatorConfig;
import dev.cairn.local.LocalCluster;
import dev.cairn.testkit.Prerequisites;
import dev.cairn.testkit.TestDirs;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One local cluster (API server, S3 store, the operator in this JVM, pods as processes running the
 * real {@code cairn.jar}) shared by every e2e class of this run, started on first use and stopped
 * when the run ends: every pod process is stopped on every path, and the work directory is deleted
 * when nothing failed (kept, with its logs, when something did).
 *
 * <p>Use as {@code @ExtendWith(LocalE2e.class)} and {@link #cluster()}.
 */
public final class LocalE2e implements BeforeAllCallback, AfterTestExecutionCallback, AfterAllCallback {

  /**
   * The operator acts quickly here: the member Lease is judged stale after 15 s (the quorum-loss
   * check of RecoverQuorum waits for the shorter of this and the grace period) and passes come every
   * 2 s while something changes.
   */
  static final OperatorConfig OPERATOR = OperatorConfig.builder()
      .memberUnknownAfter(Duration.ofSeconds(15))
      .requeueWhileChanging(Duration.ofSeconds(2))
      .requeueSteady(Duration.ofSeconds(5))
      .build();

  private static final AtomicBoolean FAILED = new AtomicBoolean();
  private static Shared shared;

  /** The running cluster; starts it on first use. */
  static synchronized Shared cluster() {
    if (shared == null) {
      // The root store closes it once, after the last class of the run, whatever happened.
      shared = Shared.start();
    }
    return shared;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    Shared s = cluster();
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(LocalE2e.class, k -> (AutoCloseable) LocalE2e::stop);
    s.noteClass(context.getRequiredTestClass().getSimpleName());
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    if (context.getExecutionException().isPresent()) {
      FAILED.set(true);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (context.getExecutionException().isPresent()) {
      FAILED.set(true);
    }
  }

  private static synchronized void stop() {
    if (shared == null) {
      return;
    }
    Shared s = shared;
    shared = null;
    s.close(!FAILED.get());
  }

  /** The cluster and what the tests need around it. */
  static final class Shared {
    final LocalCluster local;
    final Path workDir;
    final Path cairnJar;
    final Path scratch;

    private Shared(LocalCluster local, Path workDir, Path cairnJar, Path scratch) {
      this.local = local;
      this.workDir = workDir;
      this.cairnJar = cairnJar;
      this.scratch = scratch;
    }

    static Shared start() {
      Path etcd = Prerequisites.etcd();
      Path jar = cairnJar();
      Path work = Path.of(System.getProperty("cairn.e2e.workDir", "target/e2e-work")).toAbsolutePath();
      String hosts = System.getProperty("jdk.net.hosts.file");
      if (hosts == null || !Path.of(hosts).toAbsolutePath().equals(work.resolve("hosts"))) {
        throw new IllegalStateException("the e2e JVM must start with -Djdk.net.hosts.file=" + work.resolve("hosts")
            + " (the operator in it finds pods by name through that file); got " + hosts
            + ". Run the e2e tests through Maven (./mvnw -pl operator/e2e verify), which sets it.");
      }
      if (Files.exists(work)) {
        // A previous run that failed kept its directory: start and stop once on it, which kills any
        // process it left behind (pid files), then begin from nothing.
        LocalCluster.start(options(work, jar, etcd)).close();
        TestDirs.deleteRecursively(work);
      }
      LocalCluster local = LocalCluster.start(options(work, jar, etcd));
      try {
        if (!InetAddress.getByName(LocalCluster.HOSTS_FILE_PROBE).isLoopbackAddress()) {
          throw new IllegalStateException("this JVM does not resolve names through " + hosts);
        }
        local.startOperator(OPERATOR);
        Path scratch = Files.createDirectories(work.resolveSibling(work.getFileName() + "-scratch"));
        return new Shared(local, work, jar, scratch);
      } catch (UnknownHostException e) {
        local.close();
        throw new IllegalStateException("this JVM does not resolve names through " + hosts
            + "; it must be set before the first name lookup", e);
      } catch (java.io.IOException | RuntimeException e) {
        local.close();
        throw new IllegalStateException("cannot start the e2e local cluster: " + e, e);
      }
    }

    private static LocalCluster.Options options(Path work, Path jar, Path etcd) {
      return new LocalCluster.Options(work).apiPort(0).s3Port(0)
          .podRunner(b -> b.cairnJar(jar).program("etcd", etcd).podSubnet(E2eSubnet.SUBNET)
              .probeSpeedup(2).env("CAIRN_LOG_FORMAT", "text"));
    }

    /** The CLI jar the pods run; built by operator/cli's package phase, before this module in the reactor. */
    private static Path cairnJar() {
      String p = System.getProperty("cairn.e2e.jar");
      Path jar = p == null ? Path.of("../cli/target/cairn.jar") : Path.of(p);
      if (!Files.isRegularFile(jar) || !Files.isDirectory(jar.toAbsolutePath().getParent().resolve("lib"))) {
        throw new IllegalStateException("the cairn CLI jar " + jar.toAbsolutePath() + " (with lib/ beside it) is missing;"
            + " build it with ./mvnw -B -pl operator/cli -am package -DskipTests, or run the whole build (hack/test.sh)");
      }
      return jar.toAbsolutePath().normalize();
    }

    void noteClass(String name) {
      org.slf4j.LoggerFactory.getLogger(LocalE2e.class).info("e2e class {} on the local cluster in {}", name, workDir);
    }

    void close(boolean success) {
      try {
        local.close();
      } finally {
        if (success) {
          TestDirs.deleteRecursively(workDir);
          TestDirs.deleteRecursively(scratch);
        } else {
          System.err.println("e2e: something failed; the local cluster's logs and data are kept in " + workDir);
        }
      }
    }
  }
}
