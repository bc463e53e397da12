package dev.cairn.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * CAs and certificates made in the test (BouncyCastle), for real etcd and the agent serving TLS, and
 * {@link #writeSecretDir} that lays them out the way the kubelet mounts a TLS Secret: the files are
 * symlinks into a {@code ..data} directory that a change swaps atomically.
 *
 * <pre>{@code
 * TestCerts.Ca ca = TestCerts.ca("test CA");
 * TestCerts.Leaf server = ca.issue("etcd", TestCerts.LOOPBACK_DNS, TestCerts.LOOPBACK_IPS);
 * TestCerts.writeSecretDir(dir, server, TestCerts.KeyEncoding.PKCS8, ca);
 * }</pre>
 */
public final class TestCerts {

  private static final SecureRandom RANDOM = new SecureRandom();

  private TestCerts() {}

  /** Key algorithms: EC P-256 is quick to make; RSA 2048 is what cert-manager issues by default. */
  public enum KeyType { EC, RSA }

  /** How tls.key is written: PKCS#8, or the "traditional" PKCS#1 (RSA) / SEC1 (EC) cert-manager writes by default. */
  public enum KeyEncoding { PKCS8, TRADITIONAL }

  /** A self-signed CA that issues {@link Leaf} certificates. */
  public static final class Ca {
    private final KeyPair keys;
    private final X509Certificate cert;

    private Ca(KeyPair keys, X509Certificate cert) {
      this.keys = keys;
      this.cert = cert;
    }

    public X509Certificate certificate() {
      return cert;
    }

    public String pem() {
      return TestCerts.pem(cert);
    }

    /** A leaf for server and client authentication with these DNS and IP SANs, EC key, valid for a day. */
    public Leaf issue(String commonName, List<String> dnsNames, List<String> ips) {
      return issue(commonName, dnsNames, ips, KeyType.EC);
    }

    public Leaf issue(String commonName, List<String> dnsNames, List<String> ips, KeyType type) {
      KeyPair kp = keyPair(type);
      List<GeneralName> sans = new ArrayList<>();
      dnsNames.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
      ips.forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, ip)));
      try {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, serial(),
            Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
            new X500Name("CN=" + commonName), kp.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        if (!sans.isEmpty()) {
          b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
        X509Certificate c = new JcaX509CertificateConverter().getCertificate(b.build(signer(keys.getPrivate())));
        return new Leaf(kp, c);
      } catch (Exception e) {
        throw new IllegalStateException("cannot issue a test certificate for " + commonName, e);
      }
    }
  }

  /** An issued certificate and its key. */
  public static final class Leaf {
    private final KeyPair keys;
    private final X509Certificate cert;

    private Leaf(KeyPair keys, X509Certificate cert) {
      this.keys = keys;
      this.cert = cert;
    }

    public X509Certificate certificate() {
      return cert;
    }

    public BigInteger serial() {
      return cert.getSerialNumber();
    }

    public PrivateKey key() {
      return keys.getPrivate();
    }

    public String certPem() {
      return TestCerts.pem(cert);
    }

    public String keyPem(KeyEncoding encoding) {
      if (encoding == KeyEncoding.PKCS8) {
        return "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
      }
      if (keys.getPrivate().getAlgorithm().equals("EC")) {
        // SEC1 with the curve named inside, as Go (cert-manager) and openssl write it; the JDK's own
        // encoding leaves the curve to the PKCS#8 wrapper.
        try {
          PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
          org.bouncycastle.asn1.sec.ECPrivateKey inner =
              org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
          byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
              org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded())
                  .getPublicKeyData(),
              info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
          return "-----BEGIN EC PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
              + "\n-----END EC PRIVATE KEY-----\n";
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return TestCerts.pem(keys); // JcaPEMWriter writes an RSA key pair as RSA PRIVATE KEY (PKCS#1)
    }
  }

  /** A new self-signed CA (EC P-256), valid for a day. */
  public static Ca ca(String commonName) {
    KeyPair kp = keyPair(KeyType.EC);
    try {
      Instant now = Instant.now();
      X500Name name = new X500Name("CN=" + commonName);
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
      return new Ca(kp, new JcaX509CertificateConverter().getCertificate(b.build(signer(kp.getPrivate()))));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test CA " + commonName, e);
    }
  }

  /** The leaf and CA files of a TLS Secret (tls.crt, tls.key, ca.crt with every CA given). */
  public static Map<String, byte[]> secretFiles(Leaf leaf, KeyEncoding encoding, Ca... trusted) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("tls.crt", leaf.certPem().getBytes(StandardCharsets.US_ASCII));
    files.put("tls.key", leaf.keyPem(encoding).getBytes(StandardCharsets.US_ASCII));
    StringBuilder ca = new StringBuilder();
    for (Ca c : trusted) {
      ca.append(c.pem());
    }
    files.put("ca.crt", ca.toString().getBytes(StandardCharsets.US_ASCII));
    return files;
  }

  /** {@link #secretFiles} written into {@code dir} as the kubelet would mount (or update) the Secret. */
  public static Path writeSecretDir(Path dir, Leaf leaf, KeyEncoding encoding, Ca... trusted) {
    return writeSecretDir(dir, secretFiles(leaf, encoding, trusted));
  }

  /**
   * Writes {@code files} the way the kubelet's atomic writer updates a Secret volume: into a fresh
   * {@code ..<n>} directory, then {@code ..data} is re-pointed at it in one rename, and each name is a
   * symlink through {@code ..data}. A reader sees either all old or all new files.
   */
  public static Path writeSecretDir(Path dir, Map<String, byte[]> files) {
    try {
      Files.createDirectories(dir);
      Path version = Files.createTempDirectory(dir, "..v");
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Files.write(version.resolve(f.getKey()), f.getValue());
      }
      Path data = dir.resolve("..data");
      Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
      Path tmp = dir.resolve("..data_tmp");
      Files.deleteIfExists(tmp);
      Files.createSymbolicLink(tmp, version.getFileName());
      Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      for (String name : files.keySet()) {
        Path link = dir.resolve(name);
        if (!Files.isSymbolicLink(link)) {
          Files.deleteIfExists(link);
          Files.createSymbolicLink(link, Path.of("..data", name));
        }
      }
      if (old != null && !old.equals(version)) {
        try (Stream<Path> s = Files.list(old)) {
          for (Path p : s.toList()) {
            Files.delete(p);
          }
        }
        Files.delete(old);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the TLS files into " + dir, e);
    }
  }

  /** PEM of a certificate (or, for a key pair, its private key in the traditional encoding). */
  static String pem(Object o) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static KeyPair keyPair(KeyType type) {
    try {
      KeyPairGenerator g;
      if (type == KeyType.RSA) {
        g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, RANDOM);
      } else {
        g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a " + type + " key pair", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(63, RANDOM).add(BigInteger.ONE);
  }

  private static ContentSigner signer(PrivateKey key) throws Exception {
    return new JcaContentSignerBuilder(key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA")
        .build(key);
  }

  /** The certificates in a PEM file (a tls.crt chain or a ca.crt bundle). */
  public static X509Certificate[] readCertificates(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(X509Certificate[]::new);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read certificates from " + file, e);
    }
  }

  /** The private key in a PEM file, in any encoding {@link KeyEncoding} names. */
  public static PrivateKey readKey(Path file) {
    try (PEMParser p = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) {
        return conv.getKeyPair(kp).getPrivate();
      }
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
      throw new IllegalStateException(file + " holds no private key but " + o);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the key in " + file, e);
    }
  }

  /**
   * A JDK client context from a TLS Secret directory: trusts its ca.crt and presents its tls.crt
   * (read once; tests that rotate files build a new one).
   */
  public static SSLContext clientContext(Path secretDir) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      X509Certificate[] cas = readCertificates(secretDir.resolve("ca.crt"));
      for (int i = 0; i < cas.length; i++) {
        trust.setCertificateEntry("ca" + i, cas[i]);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (Files.exists(secretDir.resolve("tls.crt"))) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", readKey(secretDir.resolve("tls.key")), new char[0],
            readCertificates(secretDir.resolve("tls.crt")));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS client context from " + secretDir, e);
    }
  }

  /**
   * The certificate a TLS server at {@code host:port} presents now, from a new connection that trusts
   * the ca.crt of {@code clientDir} and presents its tls.crt when it has one.
   */
  public static X509Certificate servedCertificate(String host, int port, Path clientDir) {
    SSLContext ctx = clientContext(clientDir);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    } catch (IOException e) {
      throw new UncheckedIOException("TLS handshake with " + host + ":" + port + " failed", e);
    }
  }

  /** Names a loopback test certificate covers. */
  public static final List<String> LOOPBACK_DNS = List.of("localhost");
  public static final List<String> LOOPBACK_IPS = List.of("127.0.0.1");
}
