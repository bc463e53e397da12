package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How much etcd exports on /metrics: the values of etcd's {@code --metrics}. */
public enum MetricsLevel {
  /** Standard metrics. */
  @JsonProperty("basic")
  BASIC("basic"),

  /** Standard metrics plus per-RPC gRPC histograms (more series, more memory). */
  @JsonProperty("extensive")
  EXTENSIVE("extensive");

  private final String value;

  MetricsLevel(String value) {
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
