package dev.cairn.agent.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * PEM certificates and private keys as Kubernetes TLS Secrets hold them. Keys are accepted in every
 * encoding cert-manager writes: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA
 * PRIVATE KEY}, its default for RSA) and SEC1 EC ({@code BEGIN EC PRIVATE KEY}, its default for
 * ECDSA). Encrypted keys are refused: a Secret has no place for the passphrase.
 */
public final class Pem {

  private Pem() {}

  /** Every certificate in {@code pem}, in order; {@code source} names it in errors. */
  public static List<X509Certificate> certificates(byte[] pem, String source) throws IOException {
    if (pem == null || pem.length == 0) {
      throw new IOException(source + " is empty: expected PEM certificates (BEGIN CERTIFICATE)");
    }
    try {
      List<X509Certificate> out = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem)).stream().map(c -> (X509Certificate) c).toList();
      if (out.isEmpty()) {
        throw new IOException(source + " holds no certificate: expected PEM (BEGIN CERTIFICATE)");
      }
      return out;
    } catch (CertificateException | RuntimeException e) {
      throw new IOException(source + " is not a PEM certificate list: " + e.getMessage(), e);
    }
  }

  /** The private key in {@code pem}; {@code source} names it in errors (never the key itself). */
  public static PrivateKey privateKey(byte[] pem, String source) throws IOException {
    try {
      return parsePrivateKey(pem, source);
    } catch (IOException e) {
      // The PEM and DER readers do not know the file's name; every message should carry it.
      if (e.getMessage() != null && e.getMessage().contains(source)) {
        throw e;
      }
      throw new IOException(source + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      // A malformed body (bad base64, truncated DER) throws unchecked exceptions; callers keep their
      // previous material only on IOException. Neither the message nor the cause goes along: they
      // can quote bytes of the key.
      throw new IOException(source + " is not a readable PEM private key (its body is not valid base64 DER: "
          + e.getClass().getSimpleName() + "); write the whole unencrypted key again");
    }
  }

  private static PrivateKey parsePrivateKey(byte[] pem, String source) throws IOException {
    String text = pem == null ? "" : new String(pem, StandardCharsets.US_ASCII);
    byte[] pkcs8;
    if (text.contains("-----BEGIN PRIVATE KEY-----")) {
      pkcs8 = body(text, "PRIVATE KEY");
    } else if (text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
      pkcs8 = wrap(RSA_ALGORITHM, body(text, "RSA PRIVATE KEY"));
    } else if (text.contains("-----BEGIN EC PRIVATE KEY-----")) {
      byte[] sec1 = body(text, "EC PRIVATE KEY");
      pkcs8 = wrap(ecAlgorithm(sec1, source), sec1);
    } else if (text.contains("ENCRYPTED")) {
      throw new IOException(source + " is an encrypted private key; a TLS Secret's tls.key must be unencrypted PEM");
    } else {
      throw new IOException(source + " holds no PEM private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or"
          + " BEGIN EC PRIVATE KEY)");
    }
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException ignored) {
        // not this algorithm; try the next
      }
    }
    throw new IOException(source + " is a private key of an algorithm this JVM does not know (RSA, EC and Ed25519"
        + " are supported)");
  }

  /**
   * Whether {@code key} belongs to {@code cert}: a test signature made with the key verifies with the
   * certificate's public key. Catches a certificate and key read half-way through their replacement.
   */
  public static boolean matches(PrivateKey key, X509Certificate cert) {
    PublicKey pub = cert.getPublicKey();
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (alg == null) {
      return key.getAlgorithm().equals(pub.getAlgorithm());
    }
    try {
      byte[] probe = "cairn key/certificate match".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] body(String pem, String label) throws IOException {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int b = pem.indexOf(begin);
    int e = pem.indexOf(end, b);
    if (b < 0 || e < 0) {
      throw new IOException("PEM block " + label + " has no END line");
    }
    String inner = pem.substring(b + begin.length(), e);
    if (inner.contains("Proc-Type") || inner.contains("DEK-Info")) {
      throw new IOException("the private key is encrypted (Proc-Type header); a TLS Secret's tls.key must be"
          + " unencrypted PEM");
    }
    return Base64.getMimeDecoder().decode(inner.replaceAll("\\s", ""));
  }

  // AlgorithmIdentifier { rsaEncryption, NULL }
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  // OID 1.2.840.10045.2.1 id-ecPublicKey
  private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
      0x01};

  /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key }. */
  private static byte[] wrap(byte[] algorithm, byte[] key) {
    ByteArrayOutputStream inner = new ByteArrayOutputStream();
    inner.writeBytes(new byte[] {0x02, 0x01, 0x00});
    inner.writeBytes(algorithm);
    inner.writeBytes(tlv(0x04, key));
    return tlv(0x30, inner.toByteArray());
  }

  /**
   * AlgorithmIdentifier { id-ecPublicKey, curve } with the curve OID taken from the SEC1 key's
   * {@code [0] parameters} field (cert-manager and openssl always write it).
   */
  private static byte[] ecAlgorithm(byte[] sec1, String source) throws IOException {
    // ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey OCTET STRING, [0] parameters, [1] publicKey }
    Der seq = Der.read(sec1, 0);
    if (seq.tag != 0x30) {
      throw new IOException(source + " is not a SEC1 EC private key");
    }
    int p = seq.valueStart;
    while (p < seq.end) {
      Der el = Der.read(sec1, p);
      if (el.tag == 0xa0) {
        Der oid = Der.read(sec1, el.valueStart);
        byte[] curve = Arrays.copyOfRange(sec1, oid.start, oid.end);
        ByteArrayOutputStream alg = new ByteArrayOutputStream();
        alg.writeBytes(EC_PUBLIC_KEY_OID);
        alg.writeBytes(curve);
        return tlv(0x30, alg.toByteArray());
      }
      p = el.end;
    }
    throw new IOException(source + " is a SEC1 EC key without its curve; write it as PKCS#8 (openssl pkcs8 -topk8"
        + " -nocrypt, or cert-manager privateKey.encoding: PKCS8)");
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = value.length;
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
    out.writeBytes(value);
    return out.toByteArray();
  }

  /** One DER element: tag, where its value starts, where it ends. */
  private record Der(int tag, int start, int valueStart, int end) {
    static Der read(byte[] b, int at) throws IOException {
      if (at + 2 > b.length) {
        throw new IOException("truncated DER");
      }
      int tag = b[at] & 0xff;
      int len = b[at + 1] & 0xff;
      int p = at + 2;
      if (len >= 0x80) {
        int n = len & 0x7f;
        if (n == 0 || n > 3 || p + n > b.length) {
          throw new IOException("unsupported DER length");
        }
        len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (b[p++] & 0xff);
        }
      }
      if (p + len > b.length) {
        throw new IOException("truncated DER");
      }
      return new Der(tag, at, p, p + len);
    }
  }
}
