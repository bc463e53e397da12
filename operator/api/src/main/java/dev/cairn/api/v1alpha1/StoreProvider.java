package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where snapshots are stored. */
public enum StoreProvider {
  /** Any S3-compatible object store (AWS S3, MinIO, Ceph RGW, ...), reached with the MinIO client. */
  @JsonProperty("S3")
  S3("S3"),

  /** A directory on a volume mounted into the member pods, for tests and single-node setups. */
  @JsonProperty("Local")
  LOCAL("Local");

  private final String value;

  StoreProvider(String value) {
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
