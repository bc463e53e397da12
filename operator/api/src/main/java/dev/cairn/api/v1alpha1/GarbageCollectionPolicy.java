package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which old snapshots garbage collection deletes. The newest full snapshot and the deltas after it are always kept. */
public enum GarbageCollectionPolicy {
  /** Keep the newest maxBackups full snapshots (each with its deltas). */
  @JsonProperty("LimitBased")
  LIMIT_BASED("LimitBased"),

  /** Keep every full snapshot of the last hour, the newest per hour for the last 24 hours, per day for the last week, then per week for the last 4 weeks. */
  @JsonProperty("Exponential")
  EXPONENTIAL("Exponential");

  private final String value;

  GarbageCollectionPolicy(String value) {
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
