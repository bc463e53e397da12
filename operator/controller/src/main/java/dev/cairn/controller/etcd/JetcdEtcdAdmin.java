package dev.cairn.controller.etcd;

import dev.cairn.agent.tls.Pem;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.net.URI;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link EtcdAdmin} with jetcd: one short-lived client per call (these calls are rare: scale-in and
 * rolling updates), every call bounded by a timeout.
 */
public final class JetcdEtcdAdmin implements EtcdAdmin {

  private final Duration timeout;

  public JetcdEtcdAdmin(Duration timeout) {
    this.timeout = timeout;
  }

  public JetcdEtcdAdmin() {
    this(Duration.ofSeconds(10));
  }

  @Override
  public List<Member> members(Target target) throws EtcdAdminException {
    try (Client c = client(target, target.endpoints().values())) {
      List<Member> out = new ArrayList<>();
      for (io.etcd.jetcd.cluster.Member m : await(c.getClusterClient().listMember(), target, "list members").getMembers()) {
        out.add(new Member(Long.toHexString(m.getId()), m.getName() == null ? "" : m.getName(), m.isLearner()));
      }
      return out;
    }
  }

  @Override
  public String leaderId(Target target) throws EtcdAdminException {
    EtcdAdminException last = null;
    try (Client c = client(target, target.endpoints().values())) {
      for (URI endpoint : target.endpoints().values()) {
        try {
          long leader = await(c.getMaintenanceClient().statusMember(endpoint.toString()), target,
              "read the status of " + endpoint).getLeader();
          if (leader != 0) {
            return Long.toHexString(leader);
          }
        } catch (EtcdAdminException e) {
          last = e;
        }
      }
    }
    throw last != null ? last : new EtcdAdminException("no member of " + target + " knows a leader");
  }

  @Override
  public void removeMember(Target target, String memberId) throws EtcdAdminException {
    try (Client c = client(target, target.endpoints().values())) {
      await(c.getClusterClient().removeMember(Long.parseUnsignedLong(memberId, 16)), target, "remove member " + memberId);
    }
  }

  @Override
  public void moveLeader(Target target, String leaderName, String toMemberId) throws EtcdAdminException {
    URI leader = target.endpoints().get(leaderName);
    if (leader == null) {
      throw new EtcdAdminException("no endpoint for the leader " + leaderName + " of " + target);
    }
    // MoveLeader must reach the leader itself, so this client knows only its endpoint.
    try (Client c = client(target, List.of(leader))) {
      await(c.getMaintenanceClient().moveLeader(Long.parseUnsignedLong(toMemberId, 16)), target,
          "move leadership from " + leaderName + " to " + toMemberId);
    }
  }

  private Client client(Target target, Iterable<URI> endpoints) throws EtcdAdminException {
    ClientBuilder b = Client.builder()
        .endpoints(endpoints)
        .connectTimeout(timeout)
        .retryMaxAttempts(2)
        .retryMaxDuration(timeout);
    if (target.tls() != null) {
      ClientTls tls = target.tls();
      // Parsed here rather than by Netty, which reads only PKCS#8 keys; cert-manager writes PKCS#1 (RSA)
      // and SEC1 (ECDSA) unless told otherwise. The Secret is read anew for every call, so a renewed
      // certificate is used from the next call on.
      try {
        X509Certificate[] ca = Pem.certificates(tls.caPem(), "ca.crt of the client TLS Secret")
            .toArray(X509Certificate[]::new);
        PrivateKey key = tls.certPem() == null ? null : Pem.privateKey(tls.keyPem(), "tls.key of the client TLS Secret");
        X509Certificate[] chain = tls.certPem() == null ? null
            : Pem.certificates(tls.certPem(), "tls.crt of the client TLS Secret").toArray(X509Certificate[]::new);
        b.sslContext(s -> {
          s.trustManager(ca);
          if (key != null) {
            s.keyManager(key, chain);
          }
        });
      } catch (Exception e) {
        throw new EtcdAdminException("cannot use the client TLS Secret of " + target + ": " + e.getMessage()
            + ". It needs ca.crt, and tls.crt with tls.key (PEM) for a certificate that allows client authentication.",
            e);
      }
    }
    return b.build();
  }

  private <T> T await(CompletableFuture<T> f, Target target, String what) throws EtcdAdminException {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdAdminException("interrupted while trying to " + what + " on " + target, e);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new EtcdAdminException("could not " + what + " on " + target + " within " + timeout
          + ": check that the members run and their client port is reachable from the operator", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      throw new EtcdAdminException("could not " + what + " on " + target + ": " + c.getMessage(), c);
    }
  }
}
