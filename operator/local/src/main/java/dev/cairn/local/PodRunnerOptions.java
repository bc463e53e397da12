package dev.cairn.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link PodRunner} runs pods: where it keeps their files, how it starts {@code cairn}, and
 * how fast it probes and restarts. Build with {@link #builder(Path)}.
 */
public final class PodRunnerOptions {

  /** JVM flags for every {@code cairn} process: small and quick to start, many run side by side. */
  public static final List<String> DEFAULT_JVM_OPTIONS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx384m");

  private final Path workDir;
  private final Path kubeconfig;
  private final List<String> cairnLaunch;
  private final Path javaBinary;
  private final List<String> jvmOptions;
  private final double probeSpeedup;
  private final Duration initialRestartBackoff;
  private final Duration maxRestartBackoff;
  private final Duration resetBackoffAfter;
  private final Duration resync;
  private final String nodeName;
  private final String clusterDomain;
  private final Map<String, Path> programs;
  private final Map<String, String> extraEnv;
  private final int podSubnet;

  private PodRunnerOptions(Builder b) {
    this.workDir = b.workDir.toAbsolutePath().normalize();
    this.kubeconfig = b.kubeconfig != null ? b.kubeconfig.toAbsolutePath() : this.workDir.resolve("kubeconfig");
    this.cairnLaunch = List.copyOf(b.cairnLaunch);
    this.javaBinary = b.javaBinary != null ? b.javaBinary : currentJava();
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.probeSpeedup = b.probeSpeedup;
    this.initialRestartBackoff = b.initialRestartBackoff;
    this.maxRestartBackoff = b.maxRestartBackoff;
    this.resetBackoffAfter = b.resetBackoffAfter;
    this.resync = b.resync;
    this.nodeName = b.nodeName;
    this.clusterDomain = b.clusterDomain;
    this.programs = Map.copyOf(b.programs);
    this.extraEnv = Map.copyOf(b.extraEnv);
    this.podSubnet = b.podSubnet;
  }

  public static Builder builder(Path workDir) {
    return new Builder(workDir);
  }

  public Path workDir() {
    return workDir;
  }

  /** The kubeconfig every process gets as {@code KUBECONFIG} (default {@code <work>/kubeconfig}). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The shared hosts file, {@code <work>/hosts}. */
  public Path hostsFile() {
    return workDir.resolve("hosts");
  }

  /** What follows {@code java <jvm options>} for a {@code cairn} process; empty when not configured. */
  public List<String> cairnLaunch() {
    return cairnLaunch;
  }

  public Path javaBinary() {
    return javaBinary;
  }

  public List<String> jvmOptions() {
    return jvmOptions;
  }

  public double probeSpeedup() {
    return probeSpeedup;
  }

  public Duration initialRestartBackoff() {
    return initialRestartBackoff;
  }

  public Duration maxRestartBackoff() {
    return maxRestartBackoff;
  }

  public Duration resetBackoffAfter() {
    return resetBackoffAfter;
  }

  public Duration resync() {
    return resync;
  }

  public String nodeName() {
    return nodeName;
  }

  public String clusterDomain() {
    return clusterDomain;
  }

  /** Programs found by name before PATH is searched, e.g. {@code etcd -> /opt/etcd/etcd}. */
  public Map<String, Path> programs() {
    return programs;
  }

  public Map<String, String> extraEnv() {
    return extraEnv;
  }

  /** The second octet of the pods' addresses: pods get {@code 127.<subnet>.x.y}. */
  public int podSubnet() {
    return podSubnet;
  }

  private static Path currentJava() {
    return ProcessHandle.current().info().command().map(Path::of)
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
  }

  /** Builder; only the work directory is required. */
  public static final class Builder {
    private final Path workDir;
    private Path kubeconfig;
    private List<String> cairnLaunch = List.of();
    private Path javaBinary;
    private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
    private double probeSpeedup = 1.0;
    private Duration initialRestartBackoff = Duration.ofSeconds(1);
    private Duration maxRestartBackoff = Duration.ofSeconds(30);
    private Duration resetBackoffAfter = Duration.ofSeconds(10);
    private Duration resync = Duration.ofSeconds(1);
    private String nodeName = "cairn-local";
    private String clusterDomain = "cluster.local";
    private final Map<String, Path> programs = new LinkedHashMap<>();
    private final Map<String, String> extraEnv = new LinkedHashMap<>();
    private int podSubnet = 1;

    private Builder(Path workDir) {
      this.workDir = Objects.requireNonNull(workDir, "workDir");
    }

    public Builder kubeconfig(Path kubeconfig) {
      this.kubeconfig = kubeconfig;
      return this;
    }

    /** Runs {@code cairn} as {@code java <jvm options> -jar <jar>} (the CLI's {@code target/cairn.jar}). */
    public Builder cairnJar(Path jar) {
      this.cairnLaunch = List.of("-jar", jar.toAbsolutePath().toString());
      return this;
    }

    /** Runs {@code cairn} as {@code java <jvm options> -cp <classpath> <mainClass>}. */
    public Builder cairnMainClass(String classpath, String mainClass) {
      this.cairnLaunch = List.of("-cp", classpath, mainClass);
      return this;
    }

    public Builder javaBinary(Path java) {
      this.javaBinary = java;
      return this;
    }

    public Builder jvmOptions(List<String> options) {
      this.jvmOptions = new ArrayList<>(options);
      return this;
    }

    /**
     * Divides probe periods and initial delays (not timeouts) by this factor, for quicker local
     * runs; 1 keeps the pod spec's timing. Periods never go below 100 ms.
     */
    public Builder probeSpeedup(double factor) {
      if (!(factor >= 1.0)) {
        throw new IllegalArgumentException("probeSpeedup must be >= 1, got " + factor);
      }
      this.probeSpeedup = factor;
      return this;
    }

    public Builder restartBackoff(Duration initial, Duration max) {
      this.initialRestartBackoff = initial;
      this.maxRestartBackoff = max;
      return this;
    }

    public Builder resetBackoffAfter(Duration d) {
      this.resetBackoffAfter = d;
      return this;
    }

    public Builder resync(Duration d) {
      this.resync = d;
      return this;
    }

    public Builder nodeName(String name) {
      this.nodeName = name;
      return this;
    }

    public Builder clusterDomain(String domain) {
      this.clusterDomain = domain;
      return this;
    }

    public Builder program(String name, Path path) {
      this.programs.put(name, path);
      return this;
    }

    public Builder env(String name, String value) {
      this.extraEnv.put(name, value);
      return this;
    }

    /**
     * Pods get addresses {@code 127.<subnet>.x.y} (default 1). Two runners on one machine (a local
     * cluster and a test run) need different subnets, or their pods bind the same address and port.
     */
    public Builder podSubnet(int subnet) {
      if (subnet < 1 || subnet > 255) {
        throw new IllegalArgumentException("podSubnet must be 1 to 255, got " + subnet);
      }
      this.podSubnet = subnet;
      return this;
    }

    public PodRunnerOptions build() {
      return new PodRunnerOptions(this);
    }
  }
}
