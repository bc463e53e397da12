package dev.cairn.controller.catalog;

import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.S3Config;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.SecretRef;
import dev.cairn.api.v1alpha1.StoreProvider;
import dev.cairn.testkit.S3Server;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes snapshots the way the agent stores them (object, then metadata file with the same base
 * name) into a test store, with small made-up contents: what the catalog and the tasks read.
 */
public final class StoredSnapshots {

  public final BackupStore store;
  private final AtomicLong clock = new AtomicLong(Instant.parse("2025-01-01T00:00:00Z").toEpochMilli());

  public StoredSnapshots(BackupStore store) {
    this.store = store;
  }

  /** The store an Etcd named {@code etcd} in {@code ns} writes to with {@link #s3Backup} (prefix ns/etcd). */
  public static StoredSnapshots s3(S3Server s3, String bucket, String ns, String etcd) throws IOException {
    S3Config cfg = new S3Config(bucket, ns + "/" + etcd, s3.endpoint(), S3Server.REGION, true, null);
    return new StoredSnapshots(new S3Store(cfg, S3Credentials.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)));
  }

  /** Points an Etcd's backups at the test S3 server, with credentials in Secret {@code s3-credentials}. */
  public static Etcd s3Backup(Etcd e, S3Server s3, String bucket) {
    dev.cairn.api.v1alpha1.BackupStore st = new dev.cairn.api.v1alpha1.BackupStore();
    st.setProvider(StoreProvider.S3);
    st.setBucket(bucket);
    st.setEndpoint(s3.endpoint().toString());
    st.setForcePathStyle(true);
    st.setCredentialsSecretRef(new SecretRef("s3-credentials"));
    BackupSpec b = new BackupSpec();
    b.setStore(st);
    e.getSpec().setBackup(b);
    return e;
  }

  public static void createCredentials(KubernetesClient client, String ns) {
    client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("s3-credentials")
        .endMetadata().addToStringData("accessKeyID", S3Server.ACCESS_KEY)
        .addToStringData("secretAccessKey", S3Server.SECRET_KEY).build()).create();
  }

  public SnapshotMetadata full(long end) throws IOException {
    return put(SnapshotKind.FULL, 0, end, null);
  }

  public SnapshotMetadata delta(long start, long end) throws IOException {
    return put(SnapshotKind.DELTA, start, end, null);
  }

  /** Stores one snapshot: its object, then its metadata file. */
  public SnapshotMetadata put(SnapshotKind kind, long start, long end, String tokenHash) throws IOException {
    Instant created = Instant.ofEpochMilli(clock.addAndGet(1000));
    SnapshotName name = new SnapshotName(kind, start, end, created, Compression.NONE, false);
    byte[] content = ("snapshot " + name.baseName()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String sha = sha256(content);
    SnapshotMetadata meta = new SnapshotMetadata(name.objectName(), kind, start, end, created, content.length, sha, sha,
        Compression.NONE, null, "c1a5c1a5", "1234abcd", "member-0", "3.5.17", tokenHash,
        kind == SnapshotKind.DELTA ? end - start + 1 : 0, false);
    store.put(name.objectName(), new ByteArrayInputStream(content), content.length, Map.of());
    byte[] json = meta.toJson();
    store.put(name.metadataName(), new ByteArrayInputStream(json), json.length, Map.of());
    return meta;
  }

  /** Deletes a snapshot the way garbage collection does: metadata first, then the object. */
  public void remove(SnapshotMetadata meta) throws IOException {
    store.delete(meta.name().metadataName());
    store.delete(meta.object());
  }

  public boolean exists(SnapshotMetadata meta) {
    try {
      return store.stat(meta.object()).isPresent();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
