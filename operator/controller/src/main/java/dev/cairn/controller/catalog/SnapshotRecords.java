package dev.cairn.controller.catalog;

import dev.cairn.api.Annotations;
import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Compression;
import dev.cairn.api.v1alpha1.EtcdReference;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.EtcdSnapshotSpec;
import dev.cairn.api.v1alpha1.EtcdSnapshotStatus;
import dev.cairn.api.v1alpha1.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.StoredObject;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What an {@code EtcdSnapshot} catalog record looks like, from the stored snapshot it mirrors: its
 * name, labels, annotation and fields, and which stored snapshots are protected from deletion. Pure.
 *
 * <p>Record names are {@code <namespace>.<etcd>.<base name in lower case>}, for example {@code
 * platform.orders.0000000000000048213-full-0000000000000000000-20250101t060000000z}: unique per stored
 * snapshot (the base name holds end revision, kind, start revision and creation time), at most 174
 * characters (namespace 63, Etcd 45, base up to 64), and sorted like the store's own names, so one Etcd's
 * records and its store listing can be walked side by side.
 */
public final class SnapshotRecords {

  /** Finalizer on every record: deleting a record deletes the stored snapshot first. */
  public static final String FINALIZER = "cairn.dev/snapshot-protection";

  private static final Pattern SHA256 = Pattern.compile(dev.cairn.api.Patterns.SHA256);
  private static final Pattern HEX_ID = Pattern.compile(dev.cairn.api.Patterns.HEX_ID);

  private SnapshotRecords() {}

  /** The prefix every record name of one Etcd starts with. */
  public static String prefix(String namespace, String etcd) {
    return namespace + "." + etcd + ".";
  }

  /** The record name of a stored snapshot of this Etcd. */
  public static String recordName(String namespace, String etcd, SnapshotName name) {
    return prefix(namespace, etcd) + name.baseName().toLowerCase(Locale.ROOT);
  }

  /** The labels that select one Etcd's records ({@code kubectl get etcdsnap -l ...}). */
  public static Map<String, String> selector(String namespace, String etcd) {
    Map<String, String> m = new TreeMap<>();
    m.put(Labels.ETCD_NAME, etcd);
    m.put(Labels.ETCD_NAMESPACE, namespace);
    return m;
  }

  /** {@link #selector} as a label selector string. */
  public static String selectorString(String namespace, String etcd) {
    return Labels.ETCD_NAME + "=" + etcd + "," + Labels.ETCD_NAMESPACE + "=" + namespace;
  }

  /**
   * The record for a stored snapshot. {@code metadata} is the parsed metadata file, or null when it
   * could not be read ({@code problem} says why): the record then carries what the object's name
   * tells and is not ready to use.
   *
   * @param location where the object is, {@code s3://bucket/prefix/<object>} or {@code file:///dir/<object>}
   */
  public static EtcdSnapshot build(
      String namespace, String etcd, StoredObject object, SnapshotName name, SnapshotMetadata metadata,
      String location, String problem) {
    Map<String, String> labels = selector(namespace, etcd);
    labels.put(Labels.SNAPSHOT_KIND, kind(name).value());
    labels.put(Labels.NAME, Labels.NAME_VALUE);
    labels.put(Labels.INSTANCE, etcd);
    labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    labels.put(Labels.COMPONENT, Labels.COMPONENT_SNAPSHOT);
    Map<String, String> annotations = new TreeMap<>();
    if (metadata != null && metadata.tokenHash() != null && !metadata.tokenHash().isBlank()) {
      annotations.put(Annotations.TOKEN_HASH, metadata.tokenHash());
    }
    EtcdSnapshot s = new EtcdSnapshot();
    s.setMetadata(new ObjectMetaBuilder()
        .withName(recordName(namespace, etcd, name))
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .withFinalizers(List.of(FINALIZER))
        .build());
    EtcdSnapshotSpec spec = new EtcdSnapshotSpec();
    spec.setEtcdRef(new EtcdReference(namespace, etcd));
    spec.setKind(kind(name));
    spec.setLocation(location);
    spec.setStartRevision(name.startRevision());
    spec.setEndRevision(name.endRevision());
    spec.setCreatedAt(dev.cairn.controller.status.Times.format(name.created()));
    spec.setSize(object.size());
    spec.setCompression(compression(name.compression()));
    spec.setEncrypted(name.encrypted());
    if (metadata != null) {
      spec.setCreatedAt(dev.cairn.controller.status.Times.format(metadata.createdAt()));
      // The API's sha256 is the plain content's (what a restore checks after decrypting and
      // decompressing), i.e. the metadata's contentSha256, not the stored bytes' sha256.
      spec.setSha256(matching(SHA256, metadata.contentSha256()));
      spec.setEtcdVersion(truncate(metadata.etcdVersion(), 32));
      spec.setClusterID(matching(HEX_ID, metadata.etcdClusterId()));
      spec.setMember(truncate(metadata.member(), 253));
    }
    s.setSpec(spec);
    s.setStatus(status(object, name, metadata, problem));
    return s;
  }

  /**
   * Ready to use when the metadata was read, names this very object and agrees on its size. The
   * content checksums are verified by the restore, which reads the object anyway.
   */
  static EtcdSnapshotStatus status(StoredObject object, SnapshotName name, SnapshotMetadata metadata, String problem) {
    EtcdSnapshotStatus st = new EtcdSnapshotStatus();
    String error = problem;
    if (error == null && metadata == null) {
      error = "The metadata file " + name.metadataName() + " could not be read.";
    }
    if (error == null && !metadata.object().equals(object.name())) {
      error = "The metadata file " + name.metadataName() + " describes " + metadata.object() + ", not "
          + object.name() + ": the store was edited by hand. Do not restore from this snapshot.";
    }
    if (error == null && metadata.size() != object.size()) {
      error = "The stored object has " + object.size() + " bytes but its metadata says " + metadata.size()
          + ": it is incomplete or was replaced. Do not restore from this snapshot.";
    }
    st.setReadyToUse(error == null);
    st.setError(error);
    return st;
  }

  /** The object's name in the store, from a record's location (its last path segment). */
  public static Optional<String> objectName(EtcdSnapshot record) {
    String loc = record.getSpec() == null ? null : record.getSpec().getLocation();
    if (loc == null) {
      return Optional.empty();
    }
    int slash = loc.lastIndexOf('/');
    String object = slash < 0 ? loc : loc.substring(slash + 1);
    return SnapshotName.parseObject(object).isPresent() ? Optional.of(object) : Optional.empty();
  }

  /**
   * Whether deleting this stored snapshot is refused: the newest full snapshot (any full snapshot at
   * its end revision) and every delta after it, which a restore of the latest state needs. {@code
   * newestFullEnd} is the end revision of the newest full snapshot, or -1 when there is none (then
   * nothing is protected: the deltas have nothing to be replayed onto). An estimate that is too low
   * only protects more.
   */
  public static boolean isProtected(SnapshotName name, long newestFullEnd) {
    if (newestFullEnd < 0) {
      return false;
    }
    return name.kind() == dev.cairn.agent.snapshot.SnapshotKind.FULL
        ? name.endRevision() >= newestFullEnd
        : name.endRevision() > newestFullEnd;
  }

  static SnapshotKind kind(SnapshotName name) {
    return name.kind() == dev.cairn.agent.snapshot.SnapshotKind.FULL ? SnapshotKind.FULL : SnapshotKind.DELTA;
  }

  static Compression compression(dev.cairn.agent.snapshot.Compression c) {
    return switch (c) {
      case GZIP -> Compression.GZIP;
      case ZSTD -> Compression.ZSTD;
      default -> Compression.NONE;
    };
  }

  private static String matching(Pattern p, String v) {
    return v != null && p.matcher(v).matches() ? v : null;
  }

  private static String truncate(String v, int max) {
    return v == null || v.length() <= max ? v : v.substring(0, max);
  }
}
