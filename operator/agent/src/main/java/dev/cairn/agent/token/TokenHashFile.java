package dev.cairn.agent.token;

import dev.cairn.agent.snapshot.TokenHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash of the backup token as the mounted Secret holds it now, for each snapshot's metadata.
 *
 * <p>The kubelet rewrites a mounted Secret's file when the Secret is edited, and restores read the
 * file at that moment: a hash made once at start would leave every later snapshot with the old token
 * and every restore refusing them. The file is read at every call (a few bytes); the slow PBKDF2 hash
 * runs only when its content changed. Only a sha256 of the content is kept to notice the change, and
 * neither the token nor that digest is ever logged.
 *
 * <p>A file that cannot be read or is empty keeps the last good hash (the kubelet swaps the files of
 * a Secret volume through a symlink, and a Secret being edited may be briefly wrong): the problem is
 * logged once, and snapshots keep the token they had.
 */
public final class TokenHashFile implements Supplier<String> {

  private static final Logger LOG = LoggerFactory.getLogger(TokenHashFile.class);

  private final Path file;
  private byte[] digest;
  private String hash;
  private String problem;

  private TokenHashFile(Path file) {
    this.file = file;
  }

  /** Reads and hashes the token now; a missing, unreadable or empty file fails, as at any start. */
  public static TokenHashFile of(Path file) throws IOException {
    TokenHashFile t = new TokenHashFile(file);
    String token = read(file);
    t.digest = sha256(token);
    t.hash = TokenHash.hash(token);
    return t;
  }

  /** The hash of the file's current token (re-hashed only when the content changed). */
  @Override
  public synchronized String get() {
    String token;
    try {
      token = read(file);
    } catch (IOException e) {
      if (!e.getMessage().equals(problem)) {
        problem = e.getMessage();
        LOG.warn("cannot read the backup token now ({}); snapshots keep recording the hash of the token read"
            + " before", problem);
      }
      return hash;
    }
    problem = null;
    byte[] d = sha256(token);
    if (!MessageDigest.isEqual(d, digest)) {
      hash = TokenHash.hash(token);
      digest = d;
      LOG.info("the backup token file {} changed: snapshots from now on record the new token's hash", file);
    }
    return hash;
  }

  private static String read(Path file) throws IOException {
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IOException("backup token file " + file + " cannot be read: " + e.getClass().getSimpleName(), e);
    }
    if (token.isEmpty()) {
      throw new IOException("backup token file " + file + " is empty");
    }
    return token;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
