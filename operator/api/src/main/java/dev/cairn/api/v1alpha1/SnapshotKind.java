package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The kind of a snapshot. */
public enum SnapshotKind {
  /** A complete copy of the keyspace at one revision (etcd's snapshot). */
  @JsonProperty("Full")
  FULL("Full"),

  /** The watch events between two revisions, applied on top of the preceding full snapshot. */
  @JsonProperty("Delta")
  DELTA("Delta");

  private final String value;

  SnapshotKind(String value) {
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
