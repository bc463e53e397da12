package dev.cairn.agent.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an S3-compatible store is. Holds no secrets.
 *
 * @param bucket the bucket, which must exist
 * @param prefix key prefix without leading or trailing '/', possibly empty
 * @param endpoint e.g. {@code https://minio.example:9000}; null means AWS S3
 * @param region signing region; null means us-east-1
 * @param pathStyle address buckets as {@code endpoint/bucket} (MinIO, S3Proxy, most self-hosted stores)
 * @param caFile PEM bundle to trust for the endpoint's certificate, or null for the JDK's trust store
 */
public record S3Config(String bucket, String prefix, URI endpoint, String region, boolean pathStyle, Path caFile) {

  public S3Config {
    Objects.requireNonNull(bucket, "bucket");
    if (bucket.isBlank()) {
      throw new IllegalArgumentException("the S3 bucket name is empty");
    }
    prefix = normalizePrefix(prefix);
  }

  static String normalizePrefix(String prefix) {
    if (prefix == null) {
      return "";
    }
    String p = prefix;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  public String regionOrDefault() {
    return region == null || region.isBlank() ? "us-east-1" : region;
  }

  public URI endpointOrDefault() {
    return endpoint != null ? endpoint : URI.create("https://s3." + regionOrDefault() + ".amazonaws.com");
  }

  /** {@code s3://bucket/prefix}, for messages. */
  public String describe() {
    return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + " at " + endpointOrDefault();
  }
}
