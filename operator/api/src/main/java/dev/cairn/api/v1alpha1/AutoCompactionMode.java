package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How etcd decides what to compact: the values of etcd's {@code --auto-compaction-mode}. */
public enum AutoCompactionMode {
  /** Keep the history of the last retention period (a duration such as 30m, or whole hours). */
  @JsonProperty("periodic")
  PERIODIC("periodic"),

  /** Keep the last retention revisions (an integer). */
  @JsonProperty("revision")
  REVISION("revision");

  private final String value;

  AutoCompactionMode(String value) {
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
