package dev.cairn.controller.model;

/**
 * Mount paths inside member pods. They reach the programs only through container args and env (never
 * inside ConfigMap content), because local mode rewrites paths in args and env and nowhere else. Both
 * containers mount shared volumes at the same paths, so the agent can render paths for etcd.
 */
public final class PodPaths {

  /** The data volume: etcd's --data-dir (holds member/, the validation marker, the safe-guard file). */
  public static final String DATA_DIR = "/var/lib/etcd";
  /** The ConfigMap: {@link ConfigRenderer#ETCD_CONFIG_KEY} and {@link ConfigRenderer#AGENT_CONFIG_KEY}. */
  public static final String CONFIG_DIR = "/etc/cairn/config";
  /** Agent scratch space (emptyDir): full snapshots are spooled here, deltas cut. */
  public static final String SCRATCH_DIR = "/var/lib/cairn/scratch";
  /** Wrapper run directory (emptyDir): the rendered etcd config file lives here while etcd runs. */
  public static final String RUN_DIR = "/var/run/cairn";
  /** Writable /tmp (emptyDir) under a read-only root file system. */
  public static final String TMP_DIR = "/tmp";
  /** TLS Secrets (tls.crt, tls.key, ca.crt), one directory each. */
  public static final String CLIENT_TLS_DIR = "/etc/cairn/tls/client";
  public static final String PEER_TLS_DIR = "/etc/cairn/tls/peer";
  public static final String AGENT_TLS_DIR = "/etc/cairn/tls/agent";
  /** Store Secrets, one directory each, files named by their keys. */
  public static final String STORE_CREDENTIALS_DIR = "/etc/cairn/secrets/store-credentials";
  public static final String STORE_CA_DIR = "/etc/cairn/secrets/store-ca";
  public static final String ENCRYPTION_KEY_DIR = "/etc/cairn/secrets/encryption";
  public static final String TOKEN_DIR = "/etc/cairn/secrets/token";
  /** The agent API token (Secret {@code <etcd>-agent-api}), in both containers. */
  public static final String AGENT_API_DIR = "/etc/cairn/secrets/agent-api";

  private PodPaths() {}
}
