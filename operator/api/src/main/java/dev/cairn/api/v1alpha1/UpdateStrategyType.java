package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the operator rolls members when the pod template changes. */
public enum UpdateStrategyType {
  /** The operator restarts one member at a time, followers first and the leader last, and only while every member is healthy. */
  @JsonProperty("QuorumAware")
  QUORUM_AWARE("QuorumAware"),

  /** The operator never restarts members itself; a member picks up the change when someone deletes its pod. */
  @JsonProperty("OnDelete")
  ON_DELETE("OnDelete");

  private final String value;

  UpdateStrategyType(String value) {
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
