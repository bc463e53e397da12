package dev.cairn.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.local.LocalCluster;
import dev.cairn.local.LocalS3;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn local}: the whole system on this machine, without Kubernetes or containers. */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = "Run cairn locally: an API server, an S3 store, the operator and its pods as local processes.",
    subcommands = {LocalCommand.Up.class})
final class LocalCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: cairn local up");
  }

  /** {@code cairn local up}: starts everything and runs until Ctrl-C. */
  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description = {
        "Start a local cluster under one work directory and run until Ctrl-C: the API server (kubectl works"
            + " with the printed kubeconfig), the S3 store, the operator, and every pod as local processes on"
            + " its own loopback address. Running it again with the same work directory resumes: apply the"
            + " same objects again and the members come back with their data."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:stopped with Ctrl-C (everything it started is stopped)",
          "2:could not start (a port or the work directory in use, a file that cannot be applied)"})
  static final class Up implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "Where everything lives: kubeconfig, volumes, logs, the S3 bucket"
            + " (default: <repository>/.work/local, or ./.work/local outside a checkout).")
    Path workDir;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "6443",
        description = "Port of the API server on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--s3-port", paramLabel = "PORT", defaultValue = "9000",
        description = "Port of the S3 store on 127.0.0.1 (default: ${DEFAULT-VALUE}); the samples expect 9000.")
    int s3Port;

    @Option(names = "--apply", paramLabel = "FILE", arity = "1..*",
        description = "YAML files to create once everything runs, e.g. deploy/samples/etcd-local.yaml.")
    List<Path> apply = new ArrayList<>();

    @Option(names = "--operator", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Run the cairn operator in this process (default: ${DEFAULT-VALUE}).")
    boolean operator;

    @Option(names = "--pod-subnet", paramLabel = "N", defaultValue = "1",
        description = "Pods get addresses 127.N.x.y (default: ${DEFAULT-VALUE}); change it to run two local clusters.")
    int podSubnet;

    @Option(names = "--probe-speedup", paramLabel = "F", defaultValue = "1",
        description = "Divide probe periods and delays by F for quicker local runs (default: ${DEFAULT-VALUE}).")
    double probeSpeedup;

    @Option(names = "--verbose", description = "Also print the log on the console (it always goes to <work>/local.log).")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Path work = (workDir != null ? workDir : defaultWorkDir()).toAbsolutePath().normalize();
      for (Path f : apply) {
        if (!Files.isReadable(f)) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--apply " + f + ": no such readable file");
        }
      }
      Files.createDirectories(work);
      // Before anything resolves a name: this JVM (the operator in it) then finds pods by their DNS
      // names through the same hosts file as the pods' JVMs. Ignored if the name service already started.
      System.setProperty("jdk.net.hosts.file", work.resolve("hosts").toString());
      System.setProperty("sun.net.inetaddr.ttl", "1");
      System.setProperty("sun.net.inetaddr.negative.ttl", "0");
      logTo(work.resolve("local.log"), verbose);

      LocalCluster cluster;
      try {
        cluster = LocalCluster.start(new LocalCluster.Options(work).apiPort(apiPort).s3Port(s3Port)
            .podRunner(b -> {
              cairnLauncher(b);
              b.podSubnet(podSubnet).probeSpeedup(probeSpeedup).env("CAIRN_LOG_FORMAT", "text");
            }));
      } catch (RuntimeException e) {
        err.println("cairn local up: cannot start: " + e.getMessage());
        return 2;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        // Ctrl-C: the operator, then every pod (SIGTERM, grace period, SIGKILL), then the servers.
        System.err.println("cairn local: stopping ...");
        try {
          cluster.close();
        } finally {
          stopped.countDown();
        }
        System.err.println("cairn local: stopped; everything is kept in " + work);
      }, "local-shutdown"));
      try {
        if (operator) {
          cluster.startOperator(OperatorConfig.defaults());
        }
        if (!resolvesThroughHostsFile()) {
          err.println("warning: this JVM resolved names before the hosts file was set, so the operator here cannot"
              + " resolve pod names; start cairn with -Djdk.net.hosts.file=" + work.resolve("hosts"));
        }
        for (Path f : apply) {
          for (HasMetadata o : cluster.apply(f)) {
            out.println("applied " + o.getKind() + " " + o.getMetadata().getName());
          }
        }
      } catch (RuntimeException e) {
        err.println("cairn local up: " + e.getMessage());
        System.exit(2); // the shutdown hook stops what already runs
      }
      out.print(banner(cluster));
      out.flush();
      stopped.await();
      return 0;
    }

    /** The pods' {@code cairn} is this very build: the jar this runs from, or its class path. */
    private static void cairnLauncher(dev.cairn.local.PodRunnerOptions.Builder b) {
      Path self = selfLocation();
      if (self != null && self.toString().endsWith(".jar")) {
        b.cairnJar(self);
      } else {
        b.cairnMainClass(System.getProperty("java.class.path"), Main.class.getName());
      }
    }

    private static Path selfLocation() {
      try {
        return Path.of(LocalCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      } catch (URISyntaxException | RuntimeException e) {
        return null;
      }
    }

    /** {@code <repository>/.work/local} when this runs from a checkout (git-ignored), else {@code ./.work/local}. */
    static Path defaultWorkDir() {
      for (Path start : new Path[] {selfLocation(), Path.of("").toAbsolutePath()}) {
        for (Path p = start; p != null; p = p.getParent()) {
          if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("operator"))
              && Files.isDirectory(p.resolve("deploy"))) {
            return p.resolve(".work").resolve("local");
          }
        }
      }
      return Path.of(".work", "local");
    }

    private static boolean resolvesThroughHostsFile() {
      try {
        return InetAddress.getByName(LocalCluster.HOSTS_FILE_PROBE).isLoopbackAddress();
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }

    /**
     * Everything to local.log as text; the console keeps room for the banner: warnings only (all with
     * --verbose), as text rather than the JSON lines a log pipeline wants.
     */
    private static void logTo(Path file, boolean verbose) {
      if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
        return;
      }
      ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      List<Appender<ILoggingEvent>> consoles = new ArrayList<>();
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        Appender<ILoggingEvent> a = it.next();
        if (a instanceof ConsoleAppender) {
          consoles.add(a);
        }
      }
      consoles.forEach(a -> {
        root.detachAppender(a);
        a.stop();
      });
      // Fabric8 warns on every start that v1alpha1 is not a stable version: true, and not news here.
      ctx.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils").setLevel(Level.ERROR);

      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
      console.setContext(ctx);
      console.setName("local-console");
      console.setTarget("System.err");
      console.setEncoder(encoder(ctx, "%d{HH:mm:ss} %-5level %logger{0} - %msg%n"));
      ThresholdFilter threshold = new ThresholdFilter();
      threshold.setLevel(verbose ? Level.INFO.levelStr : Level.WARN.levelStr);
      threshold.start();
      console.addFilter(threshold);
      console.start();
      root.addAppender(console);

      FileAppender<ILoggingEvent> fa = new FileAppender<>();
      fa.setContext(ctx);
      fa.setName("local-file");
      fa.setFile(file.toString());
      fa.setAppend(true);
      fa.setEncoder(encoder(ctx, "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{36} - %msg%n"));
      fa.start();
      root.addAppender(fa);
    }

    private static PatternLayoutEncoder encoder(LoggerContext ctx, String pattern) {
      PatternLayoutEncoder enc = new PatternLayoutEncoder();
      enc.setContext(ctx);
      enc.setPattern(pattern);
      enc.start();
      return enc;
    }

    private static String banner(LocalCluster c) {
      Path w = c.workDir();
      String kubeconfig = c.kubeconfig().toString();
      return String.join("\n",
          "",
          "cairn local cluster is up (work directory " + w + ")",
          "  API server  " + c.api().url() + "   kubeconfig " + kubeconfig,
          "  S3 store    " + c.s3().endpoint() + "   bucket " + LocalS3.BUCKET + ", credentials in "
              + c.s3().credentialsFile(),
          "  operator    " + (c.operator() != null ? "running in this process" : "not started (--no-operator)"),
          "  pods        processes on 127." + c.podRunner().options().podSubnet() + ".x.y; logs in "
              + w.resolve("pods") + "/<namespace>/<pod>/<container>.log",
          "  log         " + w.resolve("local.log"),
          "",
          "Try:",
          "  export KUBECONFIG=" + kubeconfig,
          "  kubectl get etcd,pods,leases,etcdsnap",
          "  kubectl apply -f deploy/samples/etcd-local.yaml      # if you did not pass --apply",
          "  kubectl describe etcd local",
          "  tail -f " + w.resolve("pods/default/local-0") + "/*.log",
          "  kubectl delete pod local-1                           # and watch it come back with its data",
          "",
          "Ctrl-C stops everything; run the same command again to resume with the same data.",
          "");
    }
  }
}
