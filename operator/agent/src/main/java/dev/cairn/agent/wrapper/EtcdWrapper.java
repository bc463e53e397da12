package dev.cairn.agent.wrapper;

import dev.cairn.agent.tls.Tls;
import dev.cairn.agent.tls.TlsFiles;
import dev.cairn.datadir.validation.ExitMarker;
import dev.cairn.datadir.validation.ValidationFlow;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the etcd container runs instead of etcd: it has the agent validate (and, when needed,
 * restore) the data directory, fetches the member's configuration, starts etcd, forwards SIGTERM
 * and SIGINT to it, and records how etcd exited in the marker file on the data volume so the next
 * start knows whether a sanity check is enough (seed 000).
 *
 * <p>The marker says "running" while etcd runs: if the wrapper itself is killed outright, the next
 * start reads that as an abnormal exit and validates fully.
 */
public final class EtcdWrapper {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdWrapper.class);

  /** Exit code when initialisation failed or the agent could not be reached in time. */
  public static final int EXIT_INIT_FAILED = 3;

  /**
   * @param dataDir the etcd data dir (the marker lives in {@code <dataDir>/.cairn/})
   * @param configFile where the fetched etcd config is written before etcd starts
   * @param initTimeout how long to wait for initialisation; zero waits for ever (a large restore
   *     may take long, and the container restarting would only start it again)
   * @param terminationGrace how long etcd gets to exit after SIGTERM before it is killed
   */
  public record Options(
      InitClient agent,
      Path dataDir,
      String etcdBinary,
      Path configFile,
      List<String> extraEtcdArgs,
      Duration pollInterval,
      Duration initTimeout,
      Duration terminationGrace) {}

  private final Options o;
  private final Object exitLock = new Object();
  private Process etcd;
  private boolean markerWritten;
  private volatile boolean stopping;

  public EtcdWrapper(Options options) {
    this.o = options;
  }

  public static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * The client for the agent at {@code agentUrl}: plain for {@code http}; for {@code https} it trusts
   * only the CA bundle in {@code agentCa} (the agent TLS Secret's ca.crt), read again when the file
   * changes, since initialisation (a long restore) may outlast a certificate.
   */
  public static HttpClient httpClient(URI agentUrl, Path agentCa) throws IOException {
    String scheme = agentUrl.getScheme() == null ? "" : agentUrl.getScheme();
    if (scheme.equals("http")) {
      return defaultHttpClient();
    }
    if (!scheme.equals("https")) {
      throw new IllegalArgumentException("--agent-url must be http:// or https://, not " + agentUrl);
    }
    if (agentCa == null) {
      throw new IllegalArgumentException("--agent-url " + agentUrl + " is https: give --agent-ca with the CA bundle"
          + " the agent's certificate chains to (the agent TLS Secret's ca.crt)");
    }
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .sslContext(Tls.client(TlsFiles.of(null, null, agentCa))).build();
  }

  /** Runs initialisation and then etcd; returns etcd's exit code (or {@link #EXIT_INIT_FAILED}). */
  public int run() throws IOException, InterruptedException {
    Thread hook = new Thread(this::onSignal, "wrapper-signal");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      if (!initialise()) {
        return EXIT_INIT_FAILED;
      }
      String config = o.agent().config();
      Files.createDirectories(o.configFile().toAbsolutePath().getParent());
      Files.writeString(o.configFile(), config, StandardCharsets.UTF_8);
      return runEtcd();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // The JVM is already shutting down: the hook is running and finishes the job.
      }
    }
  }

  private boolean initialise() throws IOException, InterruptedException {
    ValidationFlow.ModeChoice choice = ValidationFlow.chooseMode(o.dataDir());
    LOG.info("asking the agent to initialise in {} mode: {}", choice.mode(), choice.reason());
    long deadline = o.initTimeout().isZero() ? Long.MAX_VALUE : System.nanoTime() + o.initTimeout().toNanos();
    boolean started = false;
    InitClient.State last = null;
    String lastProblem = null;
    while (!stopping) {
      try {
        if (!started) {
          o.agent().start(choice.mode());
          started = true;
        }
        InitClient.Status s = o.agent().status();
        if (s.state() != last) {
          LOG.info("initialisation {}{}", s.state(), s.reason().isEmpty() ? "" : ": " + s.reason());
          last = s.state();
        }
        switch (s.state()) {
          case SUCCESSFUL:
            return true;
          case FAILED:
            LOG.error("initialisation failed, etcd is not started: {}", s.reason());
            return false;
          case NEW:
            // The agent restarted and forgot our request: ask again.
            started = false;
            break;
          default:
            break;
        }
      } catch (ConnectException | HttpTimeoutException e) {
        // The agent container may start after this one: keep asking.
        LOG.debug("agent not reachable yet: {}", e.toString());
      } catch (InitClient.TokenRefused e) {
        // Kept trying, said once per distinct problem: a token rotation reaches the two containers'
        // files at slightly different moments, but a missing Secret key never heals by itself.
        String msg = e.getMessage();
        if (!java.util.Objects.equals(msg, lastProblem)) {
          LOG.warn("the agent API token was refused, retrying: {}", msg);
          lastProblem = msg;
        }
      } catch (javax.net.ssl.SSLException e) {
        // Kept trying: the agent may be restarting, or its certificate about to be renewed (the CA
        // bundle is re-read). Said loudly, once per distinct problem, since it may also never heal.
        String msg = e.getMessage();
        if (!java.util.Objects.equals(msg, lastProblem)) {
          LOG.warn("TLS with the agent failed, retrying: {}. Check that --agent-ca holds the CA the agent's"
              + " certificate chains to and that the certificate covers the host of --agent-url", msg);
          lastProblem = msg;
        }
      }
      if (System.nanoTime() > deadline) {
        LOG.error("initialisation did not finish within {}; last state {}", o.initTimeout(), last);
        return false;
      }
      Thread.sleep(o.pollInterval().toMillis());
    }
    return false;
  }

  private int runEtcd() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(o.etcdBinary());
    cmd.add("--config-file=" + o.configFile());
    cmd.addAll(o.extraEtcdArgs());
    synchronized (exitLock) {
      if (stopping) {
        return 128 + 15;
      }
      ExitMarker.running().write(ValidationFlow.markerFile(o.dataDir()));
      LOG.info("starting etcd: {}", String.join(" ", cmd));
      etcd = new ProcessBuilder(cmd).inheritIO().start();
    }
    int code = etcd.waitFor();
    recordExit(code);
    LOG.info("etcd exited with {} ({})", code, ExitMarker.isCleanExit(code) ? "clean" : "abnormal");
    return code;
  }

  /**
   * Stops etcd the way SIGTERM to the wrapper does (graceful, then killed after the grace period) and
   * makes {@link #run()} return; for callers that run the wrapper inside a longer-lived JVM.
   */
  public void stop() {
    onSignal();
  }

  /** SIGTERM/SIGINT reached the JVM: pass it on to etcd and record how it ended. */
  private void onSignal() {
    stopping = true;
    Process p;
    synchronized (exitLock) {
      p = etcd;
    }
    if (p == null) {
      return;
    }
    try {
      p.destroy(); // SIGTERM: etcd shuts down gracefully
      if (!p.waitFor(o.terminationGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("etcd did not exit within {} of SIGTERM; killing it", o.terminationGrace());
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      if (!p.isAlive()) {
        recordExit(p.exitValue());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void recordExit(int code) {
    synchronized (exitLock) {
      if (markerWritten) {
        return;
      }
      markerWritten = true;
      try {
        ExitMarker.exited(code).write(ValidationFlow.markerFile(o.dataDir()));
      } catch (IOException e) {
        // Without a marker the next start validates fully, which is the safe side.
        LOG.error("cannot write the exit marker in {}: {}", o.dataDir(), e.toString());
      }
    }
  }
}
