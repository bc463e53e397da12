package dev.cairn.agent.restore;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private, single-member etcd process on a restored data dir, reachable only on the agent's own
 * address: deltas are replayed through it (so etcd itself assigns the revisions and builds its own
 * db), and {@code cairn compact} compacts and snapshots through it. It listens on free ports of the
 * bind address (the pod IP, never 0.0.0.0), never on the member's real ports.
 */
public final class TempEtcd implements AutoCloseable {

  /** The settings of the temporary member. */
  public record Options(Path etcdBinary, String bindHost, long quotaBytes, Duration startTimeout, Path logFile) {}

  private final Process process;
  private final URI clientUrl;
  private final Client client;
  private final Path logFile;
  private final Thread reaper;

  private TempEtcd(Process process, URI clientUrl, Path logFile) {
    this.process = process;
    this.clientUrl = clientUrl;
    this.logFile = logFile;
    this.client = Client.builder().endpoints(clientUrl).build();
    // A JVM that exits (CLI interrupted) must not leave an etcd behind on the data it was restoring.
    this.reaper = new Thread(process::destroyForcibly, "temp-etcd-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * Starts etcd on {@code dataDir} (which holds a restored member/) as member {@code name}, and waits
   * until it leads itself. Retries on new ports when the chosen ones were taken meanwhile.
   */
  public static TempEtcd start(Path dataDir, String name, Options o) throws RestoreException, InterruptedException {
    RestoreException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int clientPort = freePort(o.bindHost());
      int peerPort = freePort(o.bindHost());
      String host = o.bindHost().contains(":") ? "[" + o.bindHost() + "]" : o.bindHost();
      URI client = URI.create("http://" + host + ":" + clientPort);
      String peer = "http://" + host + ":" + peerPort;
      List<String> cmd = new ArrayList<>(List.of(
          o.etcdBinary().toString(),
          "--name=" + name,
          "--data-dir=" + dataDir,
          "--listen-client-urls=" + client,
          "--advertise-client-urls=" + client,
          "--listen-peer-urls=" + peer,
          "--initial-advertise-peer-urls=" + peer,
          "--initial-cluster=" + name + "=" + peer,
          "--quota-backend-bytes=" + o.quotaBytes(),
          // Replay compacts by itself; an automatic compaction would only race it.
          "--auto-compaction-retention=0",
          "--snapshot-count=100000",
          // One source revision is one txn here, however many keys it touched (a lease revoke can
          // delete thousands at once), and the source may have allowed bigger requests than the default.
          "--max-txn-ops=1048576",
          "--max-request-bytes=67108864",
          "--heartbeat-interval=100",
          "--election-timeout=1000"));
      try {
        Files.createDirectories(o.logFile().toAbsolutePath().getParent());
        Files.writeString(o.logFile(), "=== " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new RestoreException(RestoreException.Reason.TOOL, "cannot write the temporary etcd log "
            + o.logFile() + ": " + e.getMessage(), e);
      }
      Process p;
      try {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(o.logFile().toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
        p = pb.start();
      } catch (IOException e) {
        throw new RestoreException(RestoreException.Reason.TOOL, "cannot start " + o.etcdBinary() + ": "
            + e.getMessage(), e);
      }
      TempEtcd t = new TempEtcd(p, client, o.logFile());
      try {
        t.awaitLeader(o.startTimeout());
        return t;
      } catch (RestoreException e) {
        t.close();
        last = e;
        if (!BaseRestore.tail(o.logFile()).contains("address already in use")) {
          throw e;
        }
      } catch (InterruptedException e) {
        t.close();
        throw e;
      }
    }
    throw last;
  }

  private void awaitLeader(Duration timeout) throws RestoreException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastError = "no answer yet";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new RestoreException(RestoreException.Reason.TOOL,
            "the temporary etcd exited with " + process.exitValue() + " while starting; its log " + logFile
                + " ends with:\n" + BaseRestore.tail(logFile));
      }
      try {
        StatusResponse s = client.getMaintenanceClient().statusMember(clientUrl.toString()).get(2, TimeUnit.SECONDS);
        if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
          return;
        }
        lastError = "no leader yet";
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        lastError = String.valueOf(e.getCause() == null ? e : e.getCause());
      }
      Thread.sleep(100);
    }
    throw new RestoreException(RestoreException.Reason.TOOL,
        "the temporary etcd at " + clientUrl + " did not become its own leader within " + timeout + " (" + lastError
            + "); its log " + logFile + " ends with:\n" + BaseRestore.tail(logFile));
  }

  public URI clientUrl() {
    return clientUrl;
  }

  public Client client() {
    return client;
  }

  /** The current revision and db size, from the member itself. */
  public StatusResponse status() throws RestoreException, InterruptedException {
    try {
      return client.getMaintenanceClient().statusMember(clientUrl.toString()).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "the temporary etcd at " + clientUrl + " did not answer a status request: " + e, e);
    }
  }

  /**
   * Stops etcd with SIGTERM (a graceful shutdown closes the db) and waits; a member that does not
   * exit within {@code grace} is killed, which etcd also survives, since every commit is fsynced.
   */
  public int stop(Duration grace) throws InterruptedException {
    client.close();
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException ignored) {
      // already shutting down: the hook runs anyway
    }
    return process.isAlive() ? -1 : process.exitValue();
  }

  @Override
  public void close() {
    try {
      stop(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static int freePort(String host) throws RestoreException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 1);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "cannot find a free port on " + host + " for the temporary etcd: " + e.getMessage(), e);
    }
  }
}
