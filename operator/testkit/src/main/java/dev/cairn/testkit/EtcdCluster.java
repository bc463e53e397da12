package dev.cairn.testkit;

import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A cluster of real etcd processes on free loopback ports, with data directories and logs under a
 * test directory. Start it with {@link #start(Path, int)} or the {@link Builder}; close it to stop
 * every member it started.
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.builder(dir).members(3).flag("snapshot-count", "100").start()) {
 *   try (Client c = etcd.client()) { ... }
 *   etcd.member(1).kill();
 * }
 * }</pre>
 */
public final class EtcdCluster implements AutoCloseable {

  /** How long a start waits for every member to report healthy. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final List<EtcdMember> members;
  private final String token;

  private EtcdCluster(List<EtcdMember> members, String token) {
    this.members = List.copyOf(members);
    this.token = token;
  }

  /** A started, healthy cluster of {@code size} members with default flags. */
  public static EtcdCluster start(Path dir, int size) {
    return builder(dir).members(size).start();
  }

  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  public List<EtcdMember> members() {
    return members;
  }

  public EtcdMember member(int i) {
    return members.get(i);
  }

  public String clusterToken() {
    return token;
  }

  /** Client URLs of all members. */
  public List<URI> clientUrls() {
    return members.stream().map(EtcdMember::clientUrl).toList();
  }

  /** Client URLs as a comma-separated list, the form {@code --endpoints} flags take. */
  public String endpoints() {
    return clientUrls().stream().map(URI::toString).collect(Collectors.joining(","));
  }

  /** A new jetcd client for every member (with client TLS: the files as they are now); the caller closes it. */
  public Client client() {
    io.etcd.jetcd.ClientBuilder b = Client.builder().endpoints(clientUrls().toArray(URI[]::new));
    Path tls = members.get(0).clientTlsDir();
    if (tls != null) {
      try {
        b.sslContext(s -> s.trustManager(TestCerts.readCertificates(tls.resolve("ca.crt")))
            .keyManager(TestCerts.readKey(tls.resolve("tls.key")), TestCerts.readCertificates(tls.resolve("tls.crt"))));
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalStateException("cannot build a TLS client from " + tls, e);
      }
    }
    return b.build();
  }

  /** Waits until every running member reports healthy. */
  public EtcdCluster awaitHealthy(Duration timeout) {
    for (EtcdMember m : members) {
      if (m.isRunning()) {
        m.awaitHealthy(timeout);
      }
    }
    return this;
  }

  /** Stops every member gracefully (SIGTERM). Data directories stay. */
  @Override
  public void close() {
    RuntimeException first = null;
    for (EtcdMember m : members) {
      try {
        m.stop();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Builder for a cluster; every flag can be overridden. */
  public static final class Builder {
    private final Path dir;
    private int size = 1;
    private final Map<String, String> flags = new LinkedHashMap<>();
    private String token = "cairn-test";
    private Path clientTlsDir;
    private Path peerTlsDir;

    private Builder(Path dir) {
      this.dir = dir;
    }

    public Builder members(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("an etcd cluster needs at least 1 member, got " + size);
      }
      this.size = size;
      return this;
    }

    /** An extra etcd flag without the leading dashes, e.g. {@code flag("snapshot-count", "100")}. */
    public Builder flag(String name, String value) {
      flags.put(name, value);
      return this;
    }

    /**
     * Serve client traffic over TLS with client-cert-auth from a TLS Secret directory (tls.crt, tls.key,
     * ca.crt, see {@link TestCerts#writeSecretDir}); the certificate must cover 127.0.0.1. Every member
     * uses the same files, so the test can rotate them in one place.
     */
    public Builder clientTls(Path secretDir) {
      this.clientTlsDir = secretDir;
      return this;
    }

    /** Peer traffic over TLS with peer-client-cert-auth, as {@link #clientTls}. */
    public Builder peerTls(Path secretDir) {
      this.peerTlsDir = secretDir;
      return this;
    }

    public Builder clusterToken(String token) {
      this.token = token;
      return this;
    }

    /** Creates the members without starting them. */
    public EtcdCluster build() {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Prerequisites.etcd(); // fail fast, with the install hint, before allocating anything
      int[] client = new int[size];
      int[] peer = new int[size];
      StringBuilder initialCluster = new StringBuilder();
      for (int i = 0; i < size; i++) {
        client[i] = Ports.free();
        peer[i] = Ports.free();
        if (i > 0) {
          initialCluster.append(',');
        }
        initialCluster.append("m").append(i).append(peerTlsDir != null ? "=https" : "=http")
            .append("://127.0.0.1:").append(peer[i]);
      }
      List<EtcdMember> members = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        String name = "m" + i;
        Path data = dir.resolve(name + ".etcd");
        List<String> args = new ArrayList<>();
        args.add("--name=" + name);
        args.add("--data-dir=" + data);
        String cs = clientTlsDir != null ? "https" : "http";
        String ps = peerTlsDir != null ? "https" : "http";
        args.add("--listen-client-urls=" + cs + "://127.0.0.1:" + client[i]);
        args.add("--advertise-client-urls=" + cs + "://127.0.0.1:" + client[i]);
        args.add("--listen-peer-urls=" + ps + "://127.0.0.1:" + peer[i]);
        args.add("--initial-advertise-peer-urls=" + ps + "://127.0.0.1:" + peer[i]);
        if (clientTlsDir != null) {
          args.add("--cert-file=" + clientTlsDir.resolve("tls.crt"));
          args.add("--key-file=" + clientTlsDir.resolve("tls.key"));
          args.add("--trusted-ca-file=" + clientTlsDir.resolve("ca.crt"));
          args.add("--client-cert-auth=true");
        }
        if (peerTlsDir != null) {
          args.add("--peer-cert-file=" + peerTlsDir.resolve("tls.crt"));
          args.add("--peer-key-file=" + peerTlsDir.resolve("tls.key"));
          args.add("--peer-trusted-ca-file=" + peerTlsDir.resolve("ca.crt"));
          args.add("--peer-client-cert-auth=true");
        }
        args.add("--initial-cluster=" + initialCluster);
        args.add("--initial-cluster-token=" + token);
        args.add("--initial-cluster-state=new");
        // Keep tests quick on a loaded 2-core machine without making elections flap.
        args.add("--heartbeat-interval=100");
        args.add("--election-timeout=1000");
        flags.forEach((k, v) -> args.add("--" + k + "=" + v));
        members.add(new EtcdMember(name, client[i], peer[i], data, dir.resolve(name + ".log"), args, clientTlsDir,
            peerTlsDir != null));
      }
      return new EtcdCluster(members, token);
    }

    /** Creates and starts every member, and waits until all are healthy. */
    public EtcdCluster start() {
      EtcdCluster cluster = build();
      try {
        cluster.members.forEach(m -> m.start());
        return cluster.awaitHealthy(START_TIMEOUT);
      } catch (RuntimeException e) {
        cluster.members.forEach(EtcdMember::kill);
        throw e;
      }
    }
  }
}
