package dev.cairn.agent.tls;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * TLS contexts over {@link TlsFiles} that follow the files: every new connection presents the
 * certificate and trusts the CA bundle the files hold at that moment. Connections already open keep
 * what they negotiated (TLS does not re-check a certificate mid-connection).
 */
public final class Tls {

  private Tls() {}

  /** A JDK client context: trusts the files' CA bundle, presents their certificate when they have one. */
  public static SSLContext client(TlsFiles files) throws IOException {
    if (!files.hasTrust()) {
      throw new IllegalArgumentException(files + ": a client needs the CA bundle (ca.crt) to check the server");
    }
    return context(files.hasKey() ? new KeyManager[] {new ReloadingKeyManager(files)} : null,
        new TrustManager[] {new ReloadingTrustManager(files)});
  }

  /**
   * A JDK server context presenting the files' certificate. Client certificates are not asked for
   * here; the CA bundle, when given, is what a server asking for them would check against.
   */
  public static SSLContext server(TlsFiles files) throws IOException {
    return context(new KeyManager[] {new ReloadingKeyManager(files)},
        files.hasTrust() ? new TrustManager[] {new ReloadingTrustManager(files)} : null);
  }

  /**
   * A Netty client context for gRPC (jetcd): the JDK's TLS engine with HTTP/2 negotiated by ALPN. The
   * JDK provider is chosen explicitly: with netty-tcnative on the class path Netty would pick OpenSSL,
   * which copies the key material once instead of asking the key manager per handshake.
   */
  public static SslContext grpcClient(TlsFiles files) throws IOException {
    if (!files.hasTrust()) {
      throw new IllegalArgumentException(files + ": a client needs the CA bundle (ca.crt) to check etcd");
    }
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
        .trustManager(new ReloadingTrustManager(files));
    if (files.hasKey()) {
      b.keyManager(new ReloadingKeyManager(files));
    }
    return b.build();
  }

  private static SSLContext context(KeyManager[] km, TrustManager[] tm) throws IOException {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(km, tm, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
