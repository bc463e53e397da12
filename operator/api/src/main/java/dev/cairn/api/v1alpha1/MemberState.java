package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The health of an etcd member as last reported through its Lease. */
public enum MemberState {
  /** The member renewed its Lease in time and its etcd is healthy. */
  @JsonProperty("Ready")
  READY("Ready"),

  /** The member reported itself unhealthy, or its pod is not ready. */
  @JsonProperty("NotReady")
  NOT_READY("NotReady"),

  /** The member's Lease expired: nothing is known. */
  @JsonProperty("Unknown")
  UNKNOWN("Unknown");

  private final String value;

  MemberState(String value) {
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
