package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How snapshots are compressed before upload. */
public enum Compression {
  /** Not compressed. */
  @JsonProperty("None")
  NONE("None"),

  /** gzip: widely readable, moderate speed. */
  @JsonProperty("Gzip")
  GZIP("Gzip"),

  /** Zstandard: faster and smaller than gzip. */
  @JsonProperty("Zstd")
  ZSTD("Zstd");

  private final String value;

  Compression(String value) {
    this.value = value;
  }

  /** The value as written in YAML. */
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return value;
  }
}
