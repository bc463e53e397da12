package dev.cairn.api;

/**
 * The keys the operator and the agent read from the Secrets an Etcd refers to. A Secret reference in
 * the spec names only the Secret; the keys are fixed here.
 */
public final class SecretKeys {

  /** TLS Secrets (kubernetes.io/tls layout): the certificate chain, PEM. */
  public static final String TLS_CERT = "tls.crt";

  /** TLS Secrets: the private key, PEM. */
  public static final String TLS_KEY = "tls.key";

  /** TLS Secrets and the store's CA Secret: the CA bundle to trust, PEM. */
  public static final String CA_CERT = "ca.crt";

  /** S3 credentials Secret: the access key ID. */
  public static final String S3_ACCESS_KEY_ID = "accessKeyID";

  /** S3 credentials Secret: the secret access key. */
  public static final String S3_SECRET_ACCESS_KEY = "secretAccessKey";

  /** S3 credentials Secret, optional: a session token for temporary credentials. */
  public static final String S3_SESSION_TOKEN = "sessionToken";

  /** Encryption key Secret: exactly 32 bytes, the AES-256-GCM key. */
  public static final String ENCRYPTION_KEY = "key";

  /** Backup token Secret: the token whose salted hash is recorded with every snapshot. */
  public static final String TOKEN = "token";

  private SecretKeys() {}
}
