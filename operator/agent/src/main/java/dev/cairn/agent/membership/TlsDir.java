package dev.cairn.agent.membership;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client TLS context from a mounted TLS Secret directory ({@code ca.crt}, {@code tls.crt},
 * {@code tls.key}): trusts only the Secret's CA and presents its certificate (etcd's
 * client-cert-auth). Keys in PKCS#8 or PKCS#1 (RSA) PEM, as cert-manager writes them.
 */
public final class TlsDir {

  private TlsDir() {}

  public static SSLContext clientContext(Path dir) throws IOException {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate c : certs(dir.resolve("ca.crt"))) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (Files.exists(dir.resolve("tls.crt")) && Files.exists(dir.resolve("tls.key"))) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = new char[0];
        ks.setKeyEntry("client", key(dir.resolve("tls.key")), pw, certs(dir.resolve("tls.crt")));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot build a TLS client context from " + dir + " (ca.crt, tls.crt, tls.key): "
          + e.getMessage(), e);
    }
  }

  private static Certificate[] certs(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
    }
  }

  private static PrivateKey key(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    byte[] der;
    if (pem.contains("BEGIN PRIVATE KEY")) {
      der = body(pem, "PRIVATE KEY");
    } else if (pem.contains("BEGIN RSA PRIVATE KEY")) {
      der = pkcs1ToPkcs8(body(pem, "RSA PRIVATE KEY"));
    } else {
      throw new IOException("TLS key " + file + " must be PKCS#8 (BEGIN PRIVATE KEY) or PKCS#1 RSA PEM; convert it"
          + " with openssl pkcs8 -topk8 -nocrypt");
    }
    for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException ignored) {
        // try the next algorithm
      }
    }
    throw new IOException("TLS key " + file + " is neither RSA, EC nor Ed25519");
  }

  private static byte[] body(String pem, String label) {
    String b = pem.substring(pem.indexOf("-----BEGIN " + label + "-----") + ("-----BEGIN " + label + "-----").length(),
        pem.indexOf("-----END " + label + "-----"));
    return Base64.getMimeDecoder().decode(b.replaceAll("\\s", ""));
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo. */
  static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01,
        0x05, 0x00};
    ByteArrayOutputStream inner = new ByteArrayOutputStream();
    inner.writeBytes(new byte[] {0x02, 0x01, 0x00}); // version 0
    inner.writeBytes(algId);
    inner.write(0x04);
    writeLength(inner, pkcs1.length);
    inner.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30);
    writeLength(out, inner.size());
    out.writeBytes(inner.toByteArray());
    return out.toByteArray();
  }

  private static void writeLength(ByteArrayOutputStream out, int len) {
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len & 0xff);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write((len >> 8) & 0xff);
      out.write(len & 0xff);
    }
  }
}
