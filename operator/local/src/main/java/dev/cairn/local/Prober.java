package dev.cairn.local;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Runs one probe of a container the way the kubelet does: an HTTP GET to the pod's address (2xx and
 * 3xx succeed; HTTPS without certificate checks), a TCP connect, or a command that must exit 0,
 * each bounded by the probe's timeout.
 */
final class Prober {

  /** The outcome and, for a failure, why. */
  record Result(boolean success, String message) {
    static Result ok() {
      return new Result(true, "");
    }

    static Result failed(String message) {
      return new Result(false, message);
    }
  }

  /** Runs an exec probe's command; supplied by the container, which knows how to launch processes. */
  interface Exec {
    Result run(java.util.List<String> command, long timeoutMillis);
  }

  private Prober() {}

  static Result probe(Probe probe, Container container, String podIp, Exec exec) {
    long timeoutMillis = 1000L * (probe.getTimeoutSeconds() == null || probe.getTimeoutSeconds() < 1 ? 1 : probe.getTimeoutSeconds());
    try {
      if (probe.getHttpGet() != null) {
        return httpGet(probe, container, podIp, timeoutMillis);
      }
      if (probe.getTcpSocket() != null) {
        String host = probe.getTcpSocket().getHost() == null || probe.getTcpSocket().getHost().isEmpty()
            ? podIp : probe.getTcpSocket().getHost();
        int port = port(probe.getTcpSocket().getPort(), container);
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(host, port), (int) timeoutMillis);
          return Result.ok();
        }
      }
      if (probe.getExec() != null && probe.getExec().getCommand() != null && !probe.getExec().getCommand().isEmpty()) {
        return exec.run(probe.getExec().getCommand(), timeoutMillis);
      }
      if (probe.getGrpc() != null) {
        return Result.failed("gRPC probes are not supported by local mode; use httpGet, tcpSocket or exec");
      }
      return Result.failed("the probe has no handler");
    } catch (IOException | RuntimeException e) {
      return Result.failed(e.toString());
    }
  }

  private static Result httpGet(Probe probe, Container container, String podIp, long timeoutMillis) throws IOException {
    var get = probe.getHttpGet();
    String host = get.getHost() == null || get.getHost().isEmpty() ? podIp : get.getHost();
    int port = port(get.getPort(), container);
    String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase(java.util.Locale.ROOT);
    String path = get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath();
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    URI uri = URI.create(scheme + "://" + host + ":" + port + path);
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
    if (c instanceof HttpsURLConnection https) {
      // The kubelet does not verify a probe's certificate either.
      https.setSSLSocketFactory(TrustAll.CONTEXT.getSocketFactory());
      https.setHostnameVerifier((h, s) -> true);
    }
    c.setConnectTimeout((int) timeoutMillis);
    c.setReadTimeout((int) timeoutMillis);
    c.setInstanceFollowRedirects(false);
    c.setRequestProperty("User-Agent", "kube-probe/cairn-local");
    if (get.getHttpHeaders() != null) {
      for (HTTPHeader h : get.getHttpHeaders()) {
        c.setRequestProperty(h.getName(), h.getValue());
      }
    }
    try {
      int code = c.getResponseCode();
      try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
        if (in != null) {
          in.readNBytes(10 * 1024);
        }
      }
      return code >= 200 && code < 400 ? Result.ok() : Result.failed("HTTP probe " + uri + " returned " + code);
    } finally {
      c.disconnect();
    }
  }

  /** A port number, or the number of a named container port. */
  static int port(IntOrString port, Container container) {
    if (port == null) {
      throw new IllegalArgumentException("probe has no port");
    }
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    String name = port.getStrVal();
    if (name != null && name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
      return Integer.parseInt(name);
    }
    if (container.getPorts() != null) {
      for (ContainerPort p : container.getPorts()) {
        if (name != null && name.equals(p.getName())) {
          return p.getContainerPort();
        }
      }
    }
    throw new IllegalArgumentException("container " + container.getName() + " has no port named " + name);
  }

  /** Waits for a process with a bound, killing it (and its children) on timeout. */
  static Result awaitExec(Process p, long timeoutMillis) throws InterruptedException {
    if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      ProcessTree.kill(p.toHandle());
      return Result.failed("exec probe timed out after " + timeoutMillis + " ms");
    }
    return p.exitValue() == 0 ? Result.ok() : Result.failed("exec probe exited with " + p.exitValue());
  }

  private static final class TrustAll {
    static final SSLContext CONTEXT = create();

    private static SSLContext create() {
      try {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        }}, null);
        return ctx;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("no TLS support in this JDK", e);
      }
    }
  }
}
