package dev.cairn.agent;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.etcd.EtcdUnavailableException;
import dev.cairn.agent.http.AgentHttpServer;
import dev.cairn.agent.lease.LeasePort;
import dev.cairn.agent.metrics.AgentMetrics;
import dev.cairn.agent.snapshot.RevisionSource;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.tls.Tls;
import dev.cairn.agent.tls.TlsFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The long-running agent ({@code cairn agent server}): checks that the store (when backups are
 * configured) and etcd answer, then runs the {@link SnapshotService} and the HTTP API until closed.
 */
public final class AgentServer implements AutoCloseable {

  /** Where and how the HTTP API listens. */
  /**
   * Where and how the API is served.
   *
   * @param apiTokenFile the bearer token requests that act must carry; null: none needed
   */
  public record HttpOptions(InetSocketAddress bind, Path tlsCertFile, Path tlsKeyFile, Path apiTokenFile) {
    public HttpOptions(InetSocketAddress bind, Path tlsCertFile, Path tlsKeyFile) {
      this(bind, tlsCertFile, tlsKeyFile, null);
    }
  }

  /** A start-up problem the command line turns into exit code 2 with this message. */
  public static final class StartupException extends Exception {
    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final EtcdNode etcd;
  private final BackupStore store;
  private final SnapshotService service;
  private final AgentHttpServer http;

  private final dev.cairn.agent.init.Initializer initializer;

  private AgentServer(EtcdNode etcd, BackupStore store, SnapshotService service, AgentHttpServer http,
      dev.cairn.agent.init.Initializer initializer) {
    this.etcd = etcd;
    this.store = store;
    this.service = service;
    this.http = http;
    this.initializer = initializer;
  }

  /** The member's initialisation, or null when the agent only snapshots. */
  public dev.cairn.agent.init.Initializer initializer() {
    return initializer;
  }

  /**
   * Opens the store and etcd, fails fast when either does not answer, and starts snapshotting and the
   * HTTP API (when {@code http} is not null).
   */
  public static AgentServer start(AgentConfig cfg, HttpOptions http, LeasePort leases, Map<String, String> env)
      throws StartupException {
    cfg.validate();
    if (http != null && http.apiTokenFile() != null) {
      try {
        if (java.nio.file.Files.readString(http.apiTokenFile()).isBlank()) {
          throw new StartupException("the API token file " + http.apiTokenFile() + " is empty: write the token"
              + " there (the operator's Secret <etcd>-agent-api, key token)", null);
        }
      } catch (IOException e) {
        throw new StartupException("cannot read the API token file " + http.apiTokenFile() + ": " + e
            + ". Give --api-token-file a readable file holding the token, or leave it out to serve the API"
            + " without one.", e);
      }
    }
    // Without a store (an Etcd without spec.backup) the agent still initialises, renews its Lease and
    // serves the API; it only takes no snapshots.
    BackupStore store = cfg.backupsEnabled() ? openStore(cfg, env) : null;
    // The agent reaches its etcd with the member's client TLS Secret (the same directory its
    // initialisation uses for the other members); commands without that flag (cairn snapshot) take it
    // from the environment the pod sets.
    Path etcdTls = cfg.init != null && cfg.init.clientTlsDir() != null ? cfg.init.clientTlsDir()
        : env.get("CAIRN_CLIENT_TLS_DIR") == null || env.get("CAIRN_CLIENT_TLS_DIR").isBlank() ? null
        : Path.of(env.get("CAIRN_CLIENT_TLS_DIR"));
    EtcdNode etcd;
    try {
      etcd = EtcdNode.connect(cfg.etcdEndpoint, etcdTls, cfg.etcdTimeout);
    } catch (IOException e) {
      if (store != null) {
        store.close();
      }
      throw new StartupException("cannot set up the client for etcd at " + cfg.etcdEndpoint + ": " + e.getMessage(), e);
    }
    SnapshotService service = null;
    AgentHttpServer server = null;
    dev.cairn.agent.init.Initializer initializer = null;
    try {
      boolean initialising = cfg.init != null && cfg.init.enabled();
      // With initialisation, etcd starts only after the agent said so: it cannot be required here.
      if (!initialising) {
        try {
          etcd.status();
        } catch (EtcdUnavailableException e) {
          throw new StartupException(e.getMessage() + ". Check --endpoints and that etcd runs.", e);
        }
      } else {
        try {
          initializer = cfg.init.build(cfg, store, env);
        } catch (IOException | IllegalArgumentException e) {
          throw new StartupException("cannot prepare initialisation: " + e.getMessage(), e);
        }
      }
      try {
        service = new SnapshotService(cfg, etcd, store, leases, new AgentMetrics(), Clock.systemUTC(),
            RevisionSource.datadir());
      } catch (IOException e) {
        throw new StartupException("cannot prepare the agent: " + e.getMessage(), e);
      }
      if (http != null) {
        try {
          SSLContext tls = http.tlsCertFile() == null ? null : tls(http.tlsCertFile(), http.tlsKeyFile());
          server = new AgentHttpServer(http.bind(), tls, http.apiTokenFile(), service, cfg.snapshotTimeout);
        } catch (IOException e) {
          throw new StartupException("cannot serve the agent API on " + http.bind() + ": " + e.getMessage(), e);
        }
        dev.cairn.agent.init.InitHttp.register(server::register, initializer);
        dev.cairn.agent.init.Initializer init = initializer;
        server.serveReadiness(new Readiness(init == null ? null : init::status, Readiness.LocalEtcd.of(etcd)));
        server.serveMemberStatus(Readiness.LocalEtcd.of(etcd), initialising ? cfg.init.dataDir() : null);
        server.start();
      }
      service.start();
      if (initializer != null) {
        initializer.watchMembership();
      }
      return new AgentServer(etcd, store, service, server, initializer);
    } catch (StartupException | RuntimeException e) {
      if (initializer != null) {
        initializer.close();
      }
      if (server != null) {
        server.close();
      }
      if (service != null) {
        service.close();
      }
      etcd.close();
      if (store != null) {
        store.close();
      }
      throw e;
    }
  }

  /** Opens the store named by the config and checks that it answers. */
  public static BackupStore openStore(AgentConfig cfg, Map<String, String> env) throws StartupException {
    BackupStore store;
    try {
      store = cfg.store.open(cfg.storeCredentialsDir, env);
    } catch (IOException e) {
      throw new StartupException("cannot open the backup store " + cfg.store + ": " + e.getMessage(), e);
    }
    try {
      store.check();
    } catch (IOException e) {
      store.close();
      throw new StartupException("the backup store does not answer: " + e.getMessage(), e);
    }
    return store;
  }

  /**
   * The API's server TLS context: the certificate and key files are read again when they change, so a
   * renewed agent certificate is served from the next connection on without a restart.
   */
  static SSLContext tls(Path certFile, Path keyFile) throws IOException {
    if (keyFile == null) {
      throw new IOException("a TLS certificate needs its private key file (--tls-key)");
    }
    return Tls.server(TlsFiles.of(certFile, keyFile, null));
  }

  public SnapshotService service() {
    return service;
  }

  /** The HTTP API's address (its port when started on port 0), or null without HTTP. */
  public InetSocketAddress httpAddress() {
    return http == null ? null : http.address();
  }

  @Override
  public void close() {
    if (initializer != null) {
      initializer.close();
    }
    if (http != null) {
      http.close();
    }
    service.close();
    etcd.close();
    if (store != null) {
      store.close();
    }
  }

  /** Default timeout for HTTP-triggered snapshots. */
  public static final Duration API_TIMEOUT = Duration.ofMinutes(30);
}
