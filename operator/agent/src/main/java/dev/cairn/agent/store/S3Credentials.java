package dev.cairn.agent.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * S3 credentials read from a mounted Secret directory or the environment. {@link #toString} never
 * shows them, and no message built from this class contains them.
 */
public final class S3Credentials {

  /** File names in a mounted credentials Secret (the keys of the operator's credentials Secret). */
  public static final String ACCESS_KEY_FILE = "accessKeyID";

  public static final String SECRET_KEY_FILE = "secretAccessKey";
  public static final String SESSION_TOKEN_FILE = "sessionToken";

  private final String accessKey;
  private final String secretKey;
  private final String sessionToken;
  private final String source;

  private S3Credentials(String accessKey, String secretKey, String sessionToken, String source) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.sessionToken = sessionToken;
    this.source = source;
  }

  public static S3Credentials of(String accessKey, String secretKey) {
    return new S3Credentials(accessKey, secretKey, null, "given");
  }

  /** Reads {@code accessKeyID}, {@code secretAccessKey} and the optional {@code sessionToken} files. */
  public static S3Credentials fromDirectory(Path dir) throws IOException {
    String ak = readRequired(dir, ACCESS_KEY_FILE);
    String sk = readRequired(dir, SECRET_KEY_FILE);
    Path token = dir.resolve(SESSION_TOKEN_FILE);
    String st = Files.isRegularFile(token) ? Files.readString(token, StandardCharsets.UTF_8).strip() : null;
    return new S3Credentials(ak, sk, st == null || st.isEmpty() ? null : st, "directory " + dir);
  }

  /** {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY} (+ {@code AWS_SESSION_TOKEN}), if both set. */
  public static Optional<S3Credentials> fromEnvironment(Map<String, String> env) {
    String ak = env.get("AWS_ACCESS_KEY_ID");
    String sk = env.get("AWS_SECRET_ACCESS_KEY");
    if (ak == null || ak.isBlank() || sk == null || sk.isBlank()) {
      return Optional.empty();
    }
    String st = env.get("AWS_SESSION_TOKEN");
    return Optional.of(
        new S3Credentials(ak.strip(), sk.strip(), st == null || st.isBlank() ? null : st.strip(), "environment"));
  }

  private static String readRequired(Path dir, String file) throws IOException {
    Path p = dir.resolve(file);
    if (!Files.isRegularFile(p)) {
      throw new IOException(
          "S3 credentials directory " + dir + " has no file " + file + ": mount the credentials Secret there with keys "
              + ACCESS_KEY_FILE + " and " + SECRET_KEY_FILE);
    }
    String v = Files.readString(p, StandardCharsets.UTF_8).strip();
    if (v.isEmpty()) {
      throw new IOException("S3 credentials file " + p + " is empty");
    }
    return v;
  }

  String accessKey() {
    return accessKey;
  }

  String secretKey() {
    return secretKey;
  }

  String sessionToken() {
    return sessionToken;
  }

  /** Where the credentials came from, safe to log. */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "S3Credentials{from " + source + ", values redacted}";
  }
}
