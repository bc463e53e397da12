package dev.cairn.agent.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate, its key and a CA bundle as files that change under a running process: the kubelet
 * replaces a mounted Secret's files in place (an atomic swap of the {@code ..data} symlink) when the
 * Secret changes, e.g. when cert-manager renews a certificate. {@link #current()} answers the material
 * as the files are now, re-reading them when their size, modification time or identity changed, and in
 * any case at least every {@link #RECHECK} (a file rewritten within one mtime tick keeps its stamp).
 *
 * <p>A certificate and key that do not belong together (read half-way through a replacement that is
 * not atomic) are not used: the previous material stays until the pair matches again.
 */
public final class TlsFiles {

  private static final Logger LOG = LoggerFactory.getLogger(TlsFiles.class);

  /** Longest time the files' content goes unchecked when their metadata did not change. */
  public static final Duration RECHECK = Duration.ofSeconds(30);

  /** One reading of the files. {@code version} grows by one with every change taken up. */
  public record Material(long version, PrivateKey key, X509Certificate[] chain, X509Certificate[] trusted,
      X509ExtendedTrustManager trustManager) {

    /** The leaf certificate, or null when only trust material is configured. */
    public X509Certificate leaf() {
      return chain == null || chain.length == 0 ? null : chain[0];
    }

    @Override
    public String toString() {
      X509Certificate l = leaf();
      return "TLS material v" + version + (l == null ? "" : " (certificate serial " + l.getSerialNumber().toString(16)
          + ", " + l.getSubjectX500Principal().getName() + ")") + (trusted == null ? "" : ", " + trusted.length
          + " trusted CA certificate(s)");
    }
  }

  private final Path certFile;
  private final Path keyFile;
  private final Path caFile;
  private final long recheckNanos;

  private Material current;
  private List<Object> stamp;
  private byte[] digest;
  private long checkedAt;
  private String lastRejected;

  /**
   * @param certFile certificate chain (leaf first), null for trust-only use
   * @param keyFile private key of {@code certFile}, null exactly when {@code certFile} is
   * @param caFile CA bundle the other side must chain to, null when the JVM's default trust applies
   */
  public TlsFiles(Path certFile, Path keyFile, Path caFile) {
    this(certFile, keyFile, caFile, RECHECK);
  }

  TlsFiles(Path certFile, Path keyFile, Path caFile, Duration recheck) {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("a TLS certificate needs its private key and the other way round (got"
          + " certificate " + certFile + ", key " + keyFile + ")");
    }
    if (certFile == null && caFile == null) {
      throw new IllegalArgumentException("TLS needs a certificate and key, a CA file, or both");
    }
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.caFile = caFile;
    this.recheckNanos = recheck.toNanos();
  }

  /** A mounted TLS Secret: {@code tls.crt}, {@code tls.key} (both only when present) and {@code ca.crt}. */
  public static TlsFiles secretDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("TLS directory " + dir + " does not exist; mount the TLS Secret there (tls.crt, tls.key,"
          + " ca.crt)");
    }
    Path crt = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Path ca = dir.resolve("ca.crt");
    boolean pair = Files.exists(crt) || Files.exists(key);
    if (!Files.exists(ca)) {
      throw new IOException("TLS directory " + dir + " has no ca.crt: the Secret must carry the CA its peers'"
          + " certificates chain to (cert-manager writes it; for a plain Secret add the key ca.crt)");
    }
    TlsFiles f = pair ? new TlsFiles(crt, key, ca) : new TlsFiles(null, null, ca);
    f.current(); // fail at start with the file's problem, not at the first handshake
    return f;
  }

  /** A server (or client) certificate and key, with the CA bundle when given. Reads them once to check. */
  public static TlsFiles of(Path certFile, Path keyFile, Path caFile) throws IOException {
    TlsFiles f = new TlsFiles(certFile, keyFile, caFile);
    f.current();
    return f;
  }

  public boolean hasKey() {
    return certFile != null;
  }

  public boolean hasTrust() {
    return caFile != null;
  }

  @Override
  public String toString() {
    return "TLS files " + Arrays.asList(certFile, keyFile, caFile);
  }

  /**
   * The material as the files hold it now. Throws only when no usable material was ever read; later
   * problems (a file missing during a swap, a key of another certificate) keep the previous material
   * and are logged.
   */
  public synchronized Material current() throws IOException {
    long now = System.nanoTime();
    List<Object> s;
    try {
      s = stamp();
    } catch (IOException e) {
      return keepOrThrow(e);
    }
    if (current != null && s.equals(stamp) && now - checkedAt < recheckNanos) {
      return current;
    }
    try {
      byte[] cert = certFile == null ? null : Files.readAllBytes(certFile);
      byte[] key = keyFile == null ? null : Files.readAllBytes(keyFile);
      byte[] ca = caFile == null ? null : Files.readAllBytes(caFile);
      byte[] d = digest(cert, key, ca);
      checkedAt = now;
      stamp = s;
      if (current != null && Arrays.equals(d, digest)) {
        return current;
      }
      Material m = parse(cert, key, ca, current == null ? 1 : current.version() + 1);
      Material previous = current;
      current = m;
      digest = d;
      lastRejected = null;
      if (previous != null) {
        LOG.info("{} changed: now using {}", this, m);
      }
      return m;
    } catch (IOException e) {
      return keepOrThrow(e);
    }
  }

  private Material keepOrThrow(IOException e) throws IOException {
    if (current == null) {
      throw e;
    }
    String msg = e.getMessage();
    if (!Objects.equals(msg, lastRejected)) {
      LOG.warn("{} cannot be used as they are now, keeping {}: {}", this, current, msg);
      lastRejected = msg;
    }
    return current;
  }

  private List<Object> stamp() throws IOException {
    List<Object> out = new ArrayList<>();
    for (Path p : new Path[] {certFile, keyFile, caFile}) {
      if (p == null) {
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class); // follows the ..data symlink
        out.add(a.lastModifiedTime());
        out.add(a.size());
        out.add(a.fileKey());
      } catch (NoSuchFileException e) {
        throw new IOException(p + " does not exist", e);
      }
    }
    return out;
  }

  private Material parse(byte[] cert, byte[] key, byte[] ca, long version) throws IOException {
    try {
      return parseChecked(cert, key, ca, version);
    } catch (RuntimeException e) {
      // Whatever a malformed file makes the JDK throw must reach keepOrThrow as an IOException, or
      // the previous material is dropped (and a start dies with a raw stack trace). No message or
      // cause: it could quote key bytes.
      throw new IOException(this + " cannot be parsed (" + e.getClass().getSimpleName() + "); check that each"
          + " file is complete PEM");
    }
  }

  private Material parseChecked(byte[] cert, byte[] key, byte[] ca, long version) throws IOException {
    PrivateKey k = null;
    X509Certificate[] chain = null;
    if (cert != null) {
      chain = Pem.certificates(cert, certFile.toString()).toArray(X509Certificate[]::new);
      k = Pem.privateKey(key, keyFile.toString());
      if (!Pem.matches(k, chain[0])) {
        throw new IOException("the key in " + keyFile + " does not belong to the certificate in " + certFile
            + " (serial " + chain[0].getSerialNumber().toString(16) + ")");
      }
    }
    X509Certificate[] trusted = null;
    X509ExtendedTrustManager tm = null;
    if (ca != null) {
      trusted = Pem.certificates(ca, caFile.toString()).toArray(X509Certificate[]::new);
      tm = trustManager(trusted, caFile);
    }
    return new Material(version, k, chain, trusted, tm);
  }

  private static X509ExtendedTrustManager trustManager(X509Certificate[] cas, Path source) throws IOException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < cas.length; i++) {
        ks.setCertificateEntry("ca" + i, cas[i]);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(ks);
      for (TrustManager t : tmf.getTrustManagers()) {
        if (t instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new IOException("the JVM offers no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot trust the CA certificates in " + source + ": " + e.getMessage(), e);
    }
  }

  private static byte[] digest(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        md.update(p == null ? new byte[] {0} : p);
        md.update((byte) 0xff);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
