package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The role of an etcd member. */
public enum MemberRole {
  /** The current Raft leader. */
  @JsonProperty("Leader")
  LEADER("Leader"),

  /** A voting follower. */
  @JsonProperty("Member")
  MEMBER("Member"),

  /** A non-voting member catching up before promotion. */
  @JsonProperty("Learner")
  LEARNER("Learner");

  private final String value;

  MemberRole(String value) {
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
