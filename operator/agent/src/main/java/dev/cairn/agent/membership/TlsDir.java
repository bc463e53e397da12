package dev.cairn.agent.membership;

import dev.cairn.agent.tls.Tls;
import dev.cairn.agent.tls.TlsFiles;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * A client TLS context from a mounted TLS Secret directory ({@code ca.crt}, {@code tls.crt},
 * {@code tls.key}): trusts only the Secret's CA and presents its certificate (etcd's
 * client-cert-auth). Both follow the files, so a renewed Secret is used from the next connection on.
 */
public final class TlsDir {

  private TlsDir() {}

  public static SSLContext clientContext(Path dir) throws IOException {
    try {
      return Tls.client(TlsFiles.secretDir(dir));
    } catch (IOException e) {
      throw new IOException("cannot build a TLS client context from " + dir + " (ca.crt, tls.crt, tls.key): "
          + e.getMessage(), e);
    }
  }
}
