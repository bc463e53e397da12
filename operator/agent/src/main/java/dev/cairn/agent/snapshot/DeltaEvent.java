package dev.cairn.agent.snapshot;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One watch event as a delta snapshot keeps it: everything a restorer needs to replay the event at the
 * same revision, grouped with the other events of that revision.
 *
 * @param type put or delete
 * @param key the key
 * @param value the value (empty for a delete)
 * @param createRevision the key's create revision (0 for a delete)
 * @param modRevision the revision of this event
 * @param version the key's version after the event (0 for a delete)
 * @param lease the lease id attached to the key, 0 for none
 */
public record DeltaEvent(Type type, byte[] key, byte[] value, long createRevision, long modRevision, long version, long lease) {

  /** The event kinds of an etcd watch. */
  public enum Type {
    PUT(1),
    DELETE(2);

    final int code;

    Type(int code) {
      this.code = code;
    }

    static Type of(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      throw new IllegalArgumentException("unknown delta event type code " + code);
    }
  }

  public DeltaEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    value = value == null ? new byte[0] : value;
  }

  /** The revision the event happened at (its mod revision). */
  public long revision() {
    return modRevision;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeltaEvent e
        && type == e.type
        && Arrays.equals(key, e.key)
        && Arrays.equals(value, e.value)
        && createRevision == e.createRevision
        && modRevision == e.modRevision
        && version == e.version
        && lease == e.lease;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, Arrays.hashCode(key), Arrays.hashCode(value), createRevision, modRevision, version, lease);
  }

  @Override
  public String toString() {
    return type + " " + HexFormat.of().formatHex(key) + "@" + modRevision + " (create " + createRevision + ", version "
        + version + ", lease " + lease + ", " + value.length + " value bytes)";
  }
}
