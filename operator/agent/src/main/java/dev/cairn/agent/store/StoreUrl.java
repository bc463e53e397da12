package dev.cairn.agent.store;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the {@code --store} URL of the agent and the CLI:
 *
 * <ul>
 *   <li>{@code s3://BUCKET[/PREFIX][?endpoint=URL&region=R&pathStyle=true|false&ca=PEMFILE]}
 *   <li>{@code file:///ABSOLUTE/DIR}
 * </ul>
 *
 * Credentials never appear in the URL: they come from a mounted directory or the environment.
 */
public final class StoreUrl {

  private static final Set<String> S3_PARAMS = Set.of("endpoint", "region", "pathStyle", "ca");

  private final String text;
  private final S3Config s3;
  private final Path localDir;

  private StoreUrl(String text, S3Config s3, Path localDir) {
    this.text = text;
    this.s3 = s3;
    this.localDir = localDir;
  }

  /** Parses a store URL; a bad one throws {@link IllegalArgumentException} saying what to write instead. */
  public static StoreUrl parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the store URL is empty: use s3://bucket/prefix?endpoint=... or file:///dir");
    }
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("store URL '" + text + "' is not a URL: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    switch (scheme) {
      case "file" -> {
        if (uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getQuery() != null) {
          throw new IllegalArgumentException(
              "store URL '" + text + "': a local store is file:///absolute/path, without query parameters");
        }
        return new StoreUrl(text, null, Path.of(uri.getPath()));
      }
      case "s3" -> {
        String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
        if (bucket == null || bucket.isBlank()) {
          throw new IllegalArgumentException("store URL '" + text + "' has no bucket: use s3://bucket/prefix");
        }
        Map<String, String> q = query(uri.getRawQuery(), text);
        for (String k : q.keySet()) {
          if (!S3_PARAMS.contains(k)) {
            throw new IllegalArgumentException(
                "store URL '" + text + "': unknown parameter '" + k + "'; known: " + S3_PARAMS);
          }
        }
        URI endpoint = null;
        if (q.containsKey("endpoint")) {
          endpoint = URI.create(q.get("endpoint"));
          if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())
              || endpoint.getHost() == null) {
            throw new IllegalArgumentException(
                "store URL '" + text + "': endpoint '" + q.get("endpoint") + "' must be an http(s) URL");
          }
        }
        String ps = q.getOrDefault("pathStyle", endpoint != null ? "true" : "false");
        if (!ps.equals("true") && !ps.equals("false")) {
          throw new IllegalArgumentException("store URL '" + text + "': pathStyle must be true or false, not " + ps);
        }
        Path ca = q.containsKey("ca") ? Path.of(q.get("ca")) : null;
        S3Config cfg = new S3Config(bucket, uri.getPath(), endpoint, q.get("region"), Boolean.parseBoolean(ps), ca);
        return new StoreUrl(text, cfg, null);
      }
      default -> throw new IllegalArgumentException(
          "store URL '" + text + "' has scheme '" + scheme + "'; use s3://bucket/prefix?endpoint=... or file:///dir");
    }
  }

  private static Map<String, String> query(String raw, String text) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("store URL '" + text + "': parameter '" + part + "' is not name=value");
      }
      out.put(
          URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  public Optional<S3Config> s3() {
    return Optional.ofNullable(s3);
  }

  public Optional<Path> localDirectory() {
    return Optional.ofNullable(localDir);
  }

  /**
   * Opens the store. S3 credentials come from {@code credentialsDir} when given, else from the
   * environment ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}), else from the default chain.
   */
  public BackupStore open(Path credentialsDir, Map<String, String> env) throws IOException {
    if (localDir != null) {
      return new LocalStore(localDir);
    }
    S3Credentials creds =
        credentialsDir != null ? S3Credentials.fromDirectory(credentialsDir) : S3Credentials.fromEnvironment(env).orElse(null);
    return new S3Store(s3, creds);
  }

  @Override
  public String toString() {
    return text;
  }
}
