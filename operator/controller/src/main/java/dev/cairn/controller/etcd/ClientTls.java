package dev.cairn.controller.etcd;

/**
 * PEM material for the operator's TLS connections to members (from the Etcd's TLS Secrets): the CA to
 * trust and, for etcd's client port, the client certificate and key. Never printed.
 */
public final class ClientTls {

  private final byte[] caPem;
  private final byte[] certPem;
  private final byte[] keyPem;

  public ClientTls(byte[] caPem, byte[] certPem, byte[] keyPem) {
    this.caPem = caPem.clone();
    this.certPem = certPem == null ? null : certPem.clone();
    this.keyPem = keyPem == null ? null : keyPem.clone();
  }

  public byte[] caPem() {
    return caPem.clone();
  }

  /** Null when only the server is verified (no client certificate). */
  public byte[] certPem() {
    return certPem == null ? null : certPem.clone();
  }

  public byte[] keyPem() {
    return keyPem == null ? null : keyPem.clone();
  }

  @Override
  public String toString() {
    return "ClientTls[ca, " + (certPem == null ? "no client certificate" : "client certificate") + "]";
  }
}
