package dev.cairn.agent.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that checks the other side against the CA bundle the files hold at the time of
 * the handshake, so a CA bundle that gained a new CA (the first step of a CA rotation) is trusted
 * from the next connection on. The checks themselves, hostname verification included when the
 * connection asks for it, are the JDK's PKIX trust manager's.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {

  private final TlsFiles files;

  ReloadingTrustManager(TlsFiles files) {
    if (!files.hasTrust()) {
      throw new IllegalArgumentException(files + " has no CA bundle to trust");
    }
    this.files = files;
  }

  private X509ExtendedTrustManager delegate() throws CertificateException {
    try {
      return files.current().trustManager();
    } catch (IOException e) {
      throw new CertificateException("no CA bundle to check the certificate against: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    delegate().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    delegate().checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate().checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    delegate().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    delegate().checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    try {
      X509Certificate[] t = files.current().trusted();
      return t == null ? new X509Certificate[0] : t.clone();
    } catch (IOException e) {
      return new X509Certificate[0];
    }
  }
}
