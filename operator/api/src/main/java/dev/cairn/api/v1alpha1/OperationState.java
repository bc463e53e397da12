package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the last operation went. */
public enum OperationState {
  /** Still in progress. */
  @JsonProperty("Processing")
  PROCESSING("Processing"),

  /** Finished successfully. */
  @JsonProperty("Succeeded")
  SUCCEEDED("Succeeded"),

  /** Failed; see status.lastErrors. */
  @JsonProperty("Error")
  ERROR("Error");

  private final String value;

  OperationState(String value) {
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
