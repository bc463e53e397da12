package dev.cairn.agent.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The facts about one snapshot, written as a JSON file next to the object (same base name) and as S3
 * user metadata on the object. Readers trust a snapshot only when this file exists.
 *
 * @param object the object's name in the store
 * @param kind full or delta
 * @param startRevision 0 for a full snapshot; the previous END + 1 for a delta
 * @param endRevision the revision the snapshot reaches, read from the snapshot itself
 * @param createdAt when the snapshot was taken
 * @param size stored bytes (after compression and encryption)
 * @param sha256 sha256 of the stored bytes, lowercase hex
 * @param contentSha256 sha256 of the plain content (the v3 snapshot file or the delta file), lowercase hex
 * @param compression how the content was compressed
 * @param encryptionKeyId id of the AES-256-GCM key, or null when not encrypted
 * @param etcdClusterId etcd cluster ID, hex
 * @param etcdMemberId id of the member the snapshot was taken from, hex
 * @param member name of the member (pod)
 * @param etcdVersion server version of that member
 * @param tokenHash salted hash of the backup token, or null without a token
 * @param eventCount number of events (deltas), 0 for a full snapshot
 * @param finalSnapshot the last full snapshot before hibernation
 */
public record SnapshotMetadata(
    String object,
    SnapshotKind kind,
    long startRevision,
    long endRevision,
    Instant createdAt,
    long size,
    String sha256,
    String contentSha256,
    Compression compression,
    String encryptionKeyId,
    String etcdClusterId,
    String etcdMemberId,
    String member,
    String etcdVersion,
    String tokenHash,
    long eventCount,
    boolean finalSnapshot) {

  public static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public SnapshotMetadata {
    Objects.requireNonNull(object, "object");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(compression, "compression");
  }

  public boolean encrypted() {
    return encryptionKeyId != null;
  }

  /** The name parsed from {@link #object}. */
  public SnapshotName name() {
    return SnapshotName.parseObject(object)
        .orElseThrow(() -> new IllegalStateException("metadata names an invalid object: " + object));
  }

  public byte[] toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("formatVersion", FORMAT_VERSION);
    n.put("object", object);
    n.put("kind", kind.apiName());
    n.put("startRevision", startRevision);
    n.put("endRevision", endRevision);
    n.put("createdAt", createdAt.toString());
    n.put("size", size);
    n.put("sha256", sha256);
    n.put("contentSha256", contentSha256);
    n.put("compression", compression.apiName());
    n.put("encrypted", encrypted());
    n.put("encryptionKeyId", encryptionKeyId);
    n.put("etcdClusterId", etcdClusterId);
    n.put("etcdMemberId", etcdMemberId);
    n.put("member", member);
    n.put("etcdVersion", etcdVersion);
    n.put("tokenHash", tokenHash);
    n.put("eventCount", eventCount);
    n.put("final", finalSnapshot);
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise snapshot metadata", e);
    }
  }

  /** Parses a metadata file; a malformed one throws with the reason. */
  public static SnapshotMetadata fromJson(byte[] json) throws IOException {
    JsonNode n = JSON.readTree(json);
    if (n == null || !n.isObject()) {
      throw new IOException("snapshot metadata is not a JSON object");
    }
    int v = n.path("formatVersion").asInt(-1);
    if (v != FORMAT_VERSION) {
      throw new IOException("snapshot metadata has formatVersion " + v + "; this agent reads " + FORMAT_VERSION);
    }
    try {
      return new SnapshotMetadata(
          required(n, "object").asText(),
          SnapshotKind.fromToken(required(n, "kind").asText()),
          required(n, "startRevision").asLong(),
          required(n, "endRevision").asLong(),
          Instant.parse(required(n, "createdAt").asText()),
          required(n, "size").asLong(),
          text(n, "sha256"),
          text(n, "contentSha256"),
          Compression.parse(required(n, "compression").asText()),
          text(n, "encryptionKeyId"),
          text(n, "etcdClusterId"),
          text(n, "etcdMemberId"),
          text(n, "member"),
          text(n, "etcdVersion"),
          text(n, "tokenHash"),
          n.path("eventCount").asLong(0),
          n.path("final").asBoolean(false));
    } catch (RuntimeException e) {
      throw new IOException("invalid snapshot metadata: " + e.getMessage(), e);
    }
  }

  private static JsonNode required(JsonNode n, String field) throws IOException {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IOException("snapshot metadata lacks field " + field);
    }
    return v;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** The same facts as S3 user metadata (stored as {@code x-amz-meta-cairn-*}); US-ASCII only. */
  public Map<String, String> toUserMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cairn-format-version", Integer.toString(FORMAT_VERSION));
    m.put("cairn-kind", kind.apiName());
    m.put("cairn-start-revision", Long.toString(startRevision));
    m.put("cairn-end-revision", Long.toString(endRevision));
    m.put("cairn-created-at", createdAt.toString());
    m.put("cairn-size", Long.toString(size));
    m.put("cairn-sha256", nz(sha256));
    m.put("cairn-compression", compression.apiName());
    m.put("cairn-content-sha256", nz(contentSha256));
    m.put("cairn-encryption-key-id", nz(encryptionKeyId));
    m.put("cairn-etcd-cluster-id", nz(etcdClusterId));
    m.put("cairn-etcd-member-id", nz(etcdMemberId));
    m.put("cairn-member", ascii(nz(member)));
    m.put("cairn-etcd-version", nz(etcdVersion));
    m.put("cairn-token-hash", nz(tokenHash));
    m.put("cairn-event-count", Long.toString(eventCount));
    m.put("cairn-final", Boolean.toString(finalSnapshot));
    return m;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String ascii(String s) {
    return new String(s.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
  }
}
