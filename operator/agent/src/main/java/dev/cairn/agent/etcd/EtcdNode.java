package dev.cairn.agent.etcd;

import dev.cairn.agent.tls.Tls;
import dev.cairn.agent.tls.TlsFiles;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.cluster.Member;
import java.io.IOException;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent's view of its own etcd member: one jetcd client bound to the member's client URL only,
 * so status, snapshots and watches all come from that member.
 *
 * <p>With client TLS ({@code https} endpoint) the client trusts the TLS Secret's CA bundle and
 * presents its certificate (etcd's client-cert-auth). Both are read from the mounted files at every
 * new connection, so the one client lives through certificate renewals: gRPC keeps its connection
 * while it works and the next one (after etcd restarted, say) uses the files as they are then.
 */
public final class EtcdNode implements AutoCloseable {

  /**
   * Largest gRPC message accepted from etcd. A delta watch that has fallen behind (agent restart,
   * leader change, a busy machine) gets catch-up responses of up to 1000 revisions each; with gRPC's
   * 4 MiB default, revisions of a few KiB (e.g. transactions of 1 KiB puts) already exceed it, the
   * watch fails and is reopened at the same revision forever. The limit only caps what one message
   * may hold; memory is used by messages actually received.
   */
  public static final int MAX_INBOUND_MESSAGE = 128 * 1024 * 1024;

  private final URI endpoint;
  private final Client client;
  private final Duration callTimeout;

  /** A plain-text client ({@code http} endpoint). */
  public EtcdNode(URI endpoint, Duration callTimeout) {
    this.endpoint = endpoint;
    this.callTimeout = callTimeout;
    this.client = Client.builder().endpoints(endpoint).maxInboundMessageSize(MAX_INBOUND_MESSAGE).build();
  }

  private EtcdNode(URI endpoint, Duration callTimeout, Client client) {
    this.endpoint = endpoint;
    this.callTimeout = callTimeout;
    this.client = client;
  }

  /**
   * A client for {@code endpoint}: TLS with the mounted Secret in {@code tlsDir} ({@code ca.crt},
   * {@code tls.crt}, {@code tls.key}) when the endpoint is {@code https}, plain text when {@code http}.
   * An {@code https} endpoint without a TLS directory is refused: there is nothing to trust it with.
   */
  public static EtcdNode connect(URI endpoint, Path tlsDir, Duration callTimeout) throws IOException {
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme();
    if (scheme.equals("http")) {
      return new EtcdNode(endpoint, callTimeout);
    }
    if (!scheme.equals("https")) {
      throw new IOException("etcd endpoint " + endpoint + " must be http:// or https://");
    }
    if (tlsDir == null) {
      throw new IOException("etcd endpoint " + endpoint + " is https but no client TLS directory was given; pass"
          + " --client-tls-dir (or CAIRN_CLIENT_TLS_DIR) pointing at the mounted client TLS Secret");
    }
    ClientBuilder b = Client.builder().endpoints(endpoint).maxInboundMessageSize(MAX_INBOUND_MESSAGE)
        .sslContext(Tls.grpcClient(TlsFiles.secretDir(tlsDir)));
    return new EtcdNode(endpoint, callTimeout, b.build());
  }

  public URI endpoint() {
    return endpoint;
  }

  public Client client() {
    return client;
  }

  /** Asks the member for its status; a member that does not answer within the call timeout throws. */
  public MemberStatus status() throws EtcdUnavailableException {
    try {
      StatusResponse r =
          client.getMaintenanceClient().statusMember(endpoint.toString()).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return new MemberStatus(
          r.getHeader().getMemberId(), r.getHeader().getClusterId(), r.getLeader(), r.getHeader().getRevision(),
          r.getVersion(), r.getDbSize());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted while asking etcd at " + endpoint + " for its status", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable c = e instanceof ExecutionException ? e.getCause() : e;
      throw new EtcdUnavailableException(
          "etcd at " + endpoint + " did not answer a status request within " + callTimeout + ": " + c, c);
    }
  }

  /**
   * Why the member is certainly not running, or null when it may be. A TCP connection to its client
   * port that is refused means no etcd listens there: callers answer from what they know without
   * waiting for {@link #status()}, whose gRPC call waits up to the call timeout (10 s) for a member
   * that is down. Anything else (accepted, timed out, unresolvable) leaves the question to the status
   * call, so a running but slow member still gets its full timeout.
   */
  public String notListening(Duration connectTimeout) {
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : 2379;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(endpoint.getHost(), port), (int) Math.max(1, connectTimeout.toMillis()));
      return null;
    } catch (ConnectException e) {
      return "nothing accepts connections at " + endpoint + " (" + e.getMessage() + "): etcd is not running";
    } catch (IOException | IllegalArgumentException | SecurityException e) {
      return null;
    }
  }

  /** Whether the member is a learner (members of etcd 3.4+ can be). */
  public boolean isLearner(long memberId) throws EtcdUnavailableException {
    try {
      List<Member> ms = client.getClusterClient().listMember().get(callTimeout.toMillis(), TimeUnit.MILLISECONDS).getMembers();
      return ms.stream().anyMatch(m -> m.getId() == memberId && m.isLearner());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted while listing members at " + endpoint, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new EtcdUnavailableException("etcd at " + endpoint + " did not list its members: " + e, e);
    }
  }

  /** Streams a v3 snapshot of the member into {@code out}; returns the byte count. */
  public long snapshot(OutputStream out, Duration timeout) throws EtcdUnavailableException {
    try {
      return client.getMaintenanceClient().snapshot(out).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted during a snapshot of etcd at " + endpoint, e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable c = e instanceof ExecutionException ? e.getCause() : e;
      throw new EtcdUnavailableException("snapshot stream from etcd at " + endpoint + " failed: " + c, c);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
