package dev.cairn.agent.lease;

/** The role a member reports in its Lease's holderIdentity. */
public enum MemberRole {
  LEADER("Leader"),
  MEMBER("Member"),
  LEARNER("Learner");

  private final String value;

  MemberRole(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }
}
