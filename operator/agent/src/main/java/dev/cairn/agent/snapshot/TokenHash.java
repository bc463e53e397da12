package dev.cairn.agent.snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The salted, slow hash of the backup token recorded with every snapshot, so a restore can tell
 * whether a snapshot belongs to this cluster without anyone storing the token:
 * {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>} (PBKDF2 from the JDK).
 */
public final class TokenHash {

  public static final int ITERATIONS = 210_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private TokenHash() {}

  /** Reads the token file (the Secret's "token") and hashes it with a fresh salt. */
  public static String hashFile(Path tokenFile) throws IOException {
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    if (token.isEmpty()) {
      throw new IOException("backup token file " + tokenFile + " is empty");
    }
    return hash(token);
  }

  public static String hash(String token) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return encode(ITERATIONS, salt, derive(token, salt, ITERATIONS));
  }

  /** Whether {@code token} produced {@code encoded}; a malformed hash never matches. */
  public static boolean matches(String token, String encoded) {
    if (encoded == null) {
      return false;
    }
    String[] p = encoded.split("\\$");
    if (p.length != 4 || !p[0].equals("pbkdf2-sha256")) {
      return false;
    }
    try {
      int it = Integer.parseInt(p[1]);
      byte[] salt = Base64.getDecoder().decode(p[2]);
      byte[] expected = Base64.getDecoder().decode(p[3]);
      return MessageDigest.isEqual(expected, derive(token, salt, it));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String encode(int it, byte[] salt, byte[] hash) {
    return "pbkdf2-sha256$" + it + "$" + Base64.getEncoder().withoutPadding().encodeToString(salt) + "$"
        + Base64.getEncoder().withoutPadding().encodeToString(hash);
  }

  private static byte[] derive(String token, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(token.toCharArray(), salt, iterations, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JVM", e);
    }
  }
}
