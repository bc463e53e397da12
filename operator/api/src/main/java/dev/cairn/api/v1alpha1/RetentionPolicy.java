package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happens to data when its Etcd is deleted. */
public enum RetentionPolicy {
  /** Keep it; delete it by hand. */
  @JsonProperty("Retain")
  RETAIN("Retain"),

  /** Delete it together with the Etcd. */
  @JsonProperty("Delete")
  DELETE("Delete");

  private final String value;

  RetentionPolicy(String value) {
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
