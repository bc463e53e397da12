package dev.cairn.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real etcd process on loopback, with its own data directory and log file. It can be stopped
 * gracefully (SIGTERM), killed (SIGKILL) and started again on the same data directory.
 */
public final class EtcdMember {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final int clientPort;
  private final int peerPort;
  private final Path dataDir;
  private final Path logFile;
  private final List<String> baseArgs;
  private final Path clientTlsDir;
  private final boolean peerTls;
  private Process process;
  private int starts;

  EtcdMember(String name, int clientPort, int peerPort, Path dataDir, Path logFile, List<String> baseArgs) {
    this(name, clientPort, peerPort, dataDir, logFile, baseArgs, null, false);
  }

  EtcdMember(String name, int clientPort, int peerPort, Path dataDir, Path logFile, List<String> baseArgs,
      Path clientTlsDir, boolean peerTls) {
    this.name = name;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.baseArgs = List.copyOf(baseArgs);
    this.clientTlsDir = clientTlsDir;
    this.peerTls = peerTls;
  }

  /** The client TLS Secret directory etcd serves from (and tests connect with), or null without TLS. */
  public Path clientTlsDir() {
    return clientTlsDir;
  }

  public String name() {
    return name;
  }

  public URI clientUrl() {
    return URI.create((clientTlsDir != null ? "https" : "http") + "://127.0.0.1:" + clientPort);
  }

  public URI peerUrl() {
    return URI.create((peerTls ? "https" : "http") + "://127.0.0.1:" + peerPort);
  }

  public int clientPort() {
    return clientPort;
  }

  public int peerPort() {
    return peerPort;
  }

  /** The etcd {@code --data-dir}; etcd keeps its files in {@code member/} below it. */
  public Path dataDir() {
    return dataDir;
  }

  public Path logFile() {
    return logFile;
  }

  /** The process id, or -1 when not running. */
  public synchronized long pid() {
    return process != null && process.isAlive() ? process.pid() : -1;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the process (no waiting); extra flags are appended, e.g. {@code --force-new-cluster}. */
  public synchronized EtcdMember start(String... extraArgs) {
    if (isRunning()) {
      throw new IllegalStateException("etcd member " + name + " is already running (pid " + process.pid() + ")");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Prerequisites.etcd().toString());
    cmd.addAll(baseArgs);
    cmd.addAll(List.of(extraArgs));
    try {
      Files.createDirectories(logFile.getParent());
      Files.writeString(
          logFile,
          "=== start " + (++starts) + ": " + String.join(" ", cmd) + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      pb.environment().remove("ETCDCTL_API");
      process = pb.start();
      ProcessRegistry.register(process);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start etcd member " + name + ": " + cmd, e);
    }
  }

  /** Waits until {@code /health} says true (the member is part of a quorate cluster). */
  public EtcdMember awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      if (!isRunning()) {
        throw new IllegalStateException(
            "etcd member " + name + " exited with " + exitCode() + " while waiting for health; log tail:\n" + logTail(40));
      }
      try {
        // With client TLS each attempt builds its context from the files as they are (tests rotate them).
        HttpClient http = clientTlsDir == null ? HTTP : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .sslContext(TestCerts.clientContext(clientTlsDir)).build();
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(clientUrl().resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
          return this;
        }
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      sleep(100);
    }
    throw new IllegalStateException(
        "etcd member " + name + " at " + clientUrl() + " not healthy after " + timeout + " (last: " + last
            + "); log tail:\n" + logTail(40));
  }

  /** SIGTERM and wait for exit: a clean shutdown. Returns the exit code. */
  public synchronized int stop() {
    return terminate(false);
  }

  /** SIGKILL and wait for exit: a crash. */
  public synchronized int kill() {
    return terminate(true);
  }

  private int terminate(boolean force) {
    if (process == null) {
      return -1;
    }
    if (process.isAlive()) {
      if (force) {
        process.destroyForcibly();
      } else {
        process.destroy();
      }
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    ProcessRegistry.unregister(process);
    return process.exitValue();
  }

  /** Exit code of the last run, or null while running / never started. */
  public synchronized Integer exitCode() {
    return process == null || process.isAlive() ? null : process.exitValue();
  }

  /** The last {@code lines} lines of the member's log (all its runs). */
  public String logTail(int lines) {
    try {
      if (!Files.exists(logFile)) {
        return "(no log file " + logFile + ")";
      }
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  /** The whole log (all runs). */
  public String logs() {
    try {
      return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "etcd " + name + " " + clientUrl() + " data " + dataDir;
  }
}
