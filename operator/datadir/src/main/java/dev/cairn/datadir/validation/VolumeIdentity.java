package dev.cairn.datadir.validation;

import dev.cairn.datadir.CorruptFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which member a data volume belongs to, written on the volume the first time it is validated, so a
 * volume later mounted into another member (or another cluster) is refused instead of started.
 *
 * <p>Format, version 1 (UTF-8, one {@code key=value} per line, {@code #} comments):
 *
 * <pre>
 * # cairn volume identity: the member this data volume belongs to
 * version=1
 * namespace=prod
 * etcd=main            # the Etcd resource
 * member=main-0        # the pod (member) name
 * cluster-id=3f2c...   # the Etcd resource's uid: tells a re-created cluster of the same name apart
 * </pre>
 *
 * Any field may be absent (null); two identities conflict when a field set in both differs.
 */
public record VolumeIdentity(String namespace, String etcd, String member, String clusterId) {

  public static final int VERSION = 1;
  static final int MAX_BYTES = 4096;

  /** The fields set in both that differ, as "field: expected X, volume has Y"; empty when compatible. */
  public List<String> conflictsWith(VolumeIdentity onVolume) {
    List<String> out = new ArrayList<>();
    diff(out, "namespace", namespace, onVolume.namespace);
    diff(out, "etcd", etcd, onVolume.etcd);
    diff(out, "member", member, onVolume.member);
    diff(out, "cluster-id", clusterId, onVolume.clusterId);
    return out;
  }

  private static void diff(List<String> out, String field, String expected, String actual) {
    if (expected != null && actual != null && !expected.equals(actual)) {
      out.add(field + ": expected " + expected + ", the volume belongs to " + actual);
    }
  }

  /** Writes the identity atomically. */
  public void write(Path file) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("version", Integer.toString(VERSION));
    m.put("namespace", namespace);
    m.put("etcd", etcd);
    m.put("member", member);
    m.put("cluster-id", clusterId);
    AtomicFiles.write(file, KeyValueFile.format("cairn volume identity: the member this data volume belongs to", m));
  }

  /** Reads the identity; null when there is none; {@link CorruptFileException} when unreadable. */
  public static VolumeIdentity read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    Map<String, String> m = KeyValueFile.read(file, MAX_BYTES);
    if (!Integer.toString(VERSION).equals(m.get("version"))) {
      throw new CorruptFileException(file, "identity version " + m.get("version") + ", this build reads version " + VERSION);
    }
    return new VolumeIdentity(m.get("namespace"), m.get("etcd"), m.get("member"), m.get("cluster-id"));
  }

  @Override
  public String toString() {
    return "namespace=" + namespace + " etcd=" + etcd + " member=" + member + " cluster-id=" + clusterId;
  }
}
