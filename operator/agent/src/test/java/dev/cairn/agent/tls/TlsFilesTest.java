package dev.cairn.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.TestCerts;
import dev.cairn.testkit.TestCerts.KeyEncoding;
import dev.cairn.testkit.TestCerts.KeyType;
import dev.cairn.testkit.TestDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PEM parsing in every encoding cert-manager writes, and how {@link TlsFiles} follows changing files. */
class TlsFilesTest {

  private static final TestCerts.Ca CA = TestCerts.ca("unit CA");
  private final Path dir = TestDirs.create(TlsFilesTest.class, "files");

  @AfterEach
  void clean() {
    TestDirs.deleteRecursively(dir);
  }

  private static TestCerts.Leaf leaf(KeyType type) {
    return CA.issue("unit", List.of("localhost"), List.of("127.0.0.1"), type);
  }

  @Test
  void keysInPkcs8Pkcs1AndSec1AreReadAndMatchTheirCertificates() throws Exception {
    for (KeyType type : KeyType.values()) {
      for (KeyEncoding enc : KeyEncoding.values()) {
        TestCerts.Leaf l = leaf(type);
        String pem = l.keyPem(enc);
        PrivateKey k = Pem.privateKey(pem.getBytes(StandardCharsets.US_ASCII), "tls.key");
        assertEquals(l.key().getAlgorithm(), k.getAlgorithm(), type + "/" + enc);
        assertTrue(Pem.matches(k, l.certificate()), type + "/" + enc + " key does not match its certificate");
        assertFalse(Pem.matches(k, leaf(type).certificate()), type + "/" + enc + " key matches another certificate");
      }
    }
  }

  @Test
  void whatIsNotAnUnencryptedKeyIsRefusedSayingWhichFileWithoutItsContent() {
    IOException e = assertThrows(IOException.class,
        () -> Pem.privateKey("secret-looking text".getBytes(StandardCharsets.US_ASCII), "/x/tls.key"));
    assertTrue(e.getMessage().contains("/x/tls.key"), e.getMessage());
    assertFalse(e.getMessage().contains("secret-looking"), e.getMessage());
    IOException enc = assertThrows(IOException.class, () -> Pem.privateKey(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n".getBytes(
            StandardCharsets.US_ASCII), "tls.key"));
    assertTrue(enc.getMessage().contains("encrypted"), enc.getMessage());
    assertThrows(IOException.class, () -> Pem.certificates("nope".getBytes(StandardCharsets.US_ASCII), "ca.crt"));
  }

  @Test
  void aSecretDirWithoutItsCaIsAClearError() throws Exception {
    TestCerts.Leaf l = leaf(KeyType.EC);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("tls.crt"), l.certPem());
    Files.writeString(dir.resolve("tls.key"), l.keyPem(KeyEncoding.PKCS8));
    IOException e = assertThrows(IOException.class, () -> TlsFiles.secretDir(dir));
    assertTrue(e.getMessage().contains("ca.crt"), e.getMessage());
    IOException missing = assertThrows(IOException.class, () -> TlsFiles.secretDir(dir.resolve("absent")));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
  }

  @Test
  void aSwappedSecretIsTakenUpAndAHalfWrittenPairIsNot() throws Exception {
    TestCerts.Leaf first = leaf(KeyType.EC);
    TestCerts.writeSecretDir(dir, first, KeyEncoding.TRADITIONAL, CA);
    // A recheck interval of zero: every call looks at the files' content, as a long-running one would.
    TlsFiles files = new TlsFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"), Duration.ZERO);
    TlsFiles.Material m1 = files.current();
    assertEquals(first.serial(), m1.leaf().getSerialNumber());
    assertTrue(files.current() == m1, "unchanged files keep the same material");

    TestCerts.Leaf second = leaf(KeyType.RSA);
    TestCerts.writeSecretDir(dir, second, KeyEncoding.TRADITIONAL, CA);
    TlsFiles.Material m2 = files.current();
    assertEquals(second.serial(), m2.leaf().getSerialNumber());
    assertEquals(m1.version() + 1, m2.version());

    // Written in place file by file (not the kubelet's swap): the new certificate lands before its key.
    TestCerts.Leaf third = leaf(KeyType.EC);
    Path plain = dir.resolve("plain");
    Files.createDirectories(plain);
    Files.writeString(plain.resolve("tls.crt"), second.certPem());
    Files.writeString(plain.resolve("tls.key"), second.keyPem(KeyEncoding.PKCS8));
    Files.writeString(plain.resolve("ca.crt"), CA.pem());
    TlsFiles p = new TlsFiles(plain.resolve("tls.crt"), plain.resolve("tls.key"), plain.resolve("ca.crt"),
        Duration.ZERO);
    TlsFiles.Material before = p.current();
    Files.writeString(plain.resolve("tls.crt"), third.certPem());
    assertTrue(p.current() == before, "a certificate without its key must not replace the working pair");
    Files.writeString(plain.resolve("tls.key"), third.keyPem(KeyEncoding.PKCS8));
    TlsFiles.Material after = p.current();
    assertEquals(third.serial(), after.leaf().getSerialNumber());
    assertNotEquals(before.version(), after.version());
  }

  @Test
  void unusableFilesAtStartFailAtStart() throws Exception {
    TestCerts.Leaf a = leaf(KeyType.EC);
    TestCerts.Leaf b = leaf(KeyType.EC);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("tls.crt"), a.certPem());
    Files.writeString(dir.resolve("tls.key"), b.keyPem(KeyEncoding.PKCS8));
    Files.writeString(dir.resolve("ca.crt"), CA.pem());
    IOException e = assertThrows(IOException.class, () -> TlsFiles.secretDir(dir));
    assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
  }

  private static final String BAD_BASE64_KEY =
      "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMB=MGByqGSM49AgE\n-----END PRIVATE KEY-----\n";

  @Test
  void aKeyWhoseBodyDoesNotDecodeIsAnIoErrorNamingTheFileWithoutItsContent() {
    IOException e = assertThrows(IOException.class,
        () -> Pem.privateKey(BAD_BASE64_KEY.getBytes(StandardCharsets.US_ASCII), "/x/tls.key"));
    assertTrue(e.getMessage().contains("/x/tls.key") && e.getMessage().contains("not a readable PEM private key"),
        e.getMessage());
    assertFalse(e.getMessage().contains("MIGH"), e.getMessage());
    // Valid base64 of a truncated SEC1 structure: the DER reader runs off its end.
    IOException sec1 = assertThrows(IOException.class, () -> Pem.privateKey(
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n".getBytes(StandardCharsets.US_ASCII),
        "/x/ec.key"));
    assertTrue(sec1.getMessage().contains("/x/ec.key"), sec1.getMessage());
  }

  @Test
  void aMalformedKeyWrittenLaterKeepsThePreviousMaterialAndFailsCleanlyAtStart() throws Exception {
    TestCerts.Leaf l = leaf(KeyType.EC);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("tls.crt"), l.certPem());
    Files.writeString(dir.resolve("tls.key"), l.keyPem(KeyEncoding.PKCS8));
    Files.writeString(dir.resolve("ca.crt"), CA.pem());
    TlsFiles files = new TlsFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"), Duration.ZERO);
    TlsFiles.Material m = files.current();
    Files.writeString(dir.resolve("tls.key"), BAD_BASE64_KEY);
    assertTrue(files.current() == m, "a key that does not decode keeps the working pair");

    TlsFiles fresh = new TlsFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"), Duration.ZERO);
    IOException e = assertThrows(IOException.class, fresh::current);
    assertTrue(e.getMessage().contains("tls.key"), e.getMessage());
    assertFalse(e.getMessage().contains("MIGH"), e.getMessage());
  }
}
