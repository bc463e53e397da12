package dev.cairn.controller.model;

import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.BackupStore;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdConfig;
import dev.cairn.api.v1alpha1.SecretRef;
import dev.cairn.controller.OperatorConfig;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checks the schema cannot make: comparisons between quantities, the etcd version's features,
 * what the existing volumes allow, and whether the referenced Secrets exist with the right keys. Returns
 * problems instead of throwing; an empty list means the spec may be applied.
 */
public final class SpecValidator {

  /** One problem: the field, and a message saying what is wrong, with the values, and what to do. */
  public record Problem(String field, String message) {}

  /** Reads a Secret's data (base64 values, as the API returns them); empty when it does not exist. */
  @FunctionalInterface
  public interface SecretLookup {
    Optional<Map<String, String>> data(String name);
  }

  private SpecValidator() {}

  public static List<Problem> validate(Etcd etcd, OperatorConfig cfg, StatefulSet existing, SecretLookup secrets) {
    List<Problem> out = new ArrayList<>();
    EtcdConfig e = etcd.getSpec().getEtcd();
    version(etcd, cfg, out);
    capacity(etcd, existing, out);
    if (e.getClientTLS() != null) {
      tls("etcd.clientTLS", e.getClientTLS().getSecretRef(), secrets, out);
    }
    if (e.getPeerTLS() != null) {
      tls("etcd.peerTLS", e.getPeerTLS().getSecretRef(), secrets, out);
    }
    if (etcd.getSpec().getAgent().getTls() != null) {
      tls("agent.tls", etcd.getSpec().getAgent().getTls().getSecretRef(), secrets, out);
    }
    BackupSpec b = etcd.getSpec().getBackup();
    if (b != null) {
      BackupStore st = b.getStore();
      if (st.getCredentialsSecretRef() != null) {
        keys("backup.store.credentialsSecretRef", st.getCredentialsSecretRef(), secrets, out,
            SecretKeys.S3_ACCESS_KEY_ID, SecretKeys.S3_SECRET_ACCESS_KEY);
      }
      if (st.getCaSecretRef() != null) {
        keys("backup.store.caSecretRef", st.getCaSecretRef(), secrets, out, SecretKeys.CA_CERT);
      }
      if (b.getEncryption() != null) {
        encryptionKey(b.getEncryption().getKeySecretRef(), secrets, out);
      }
      if (b.getTokenSecretRef() != null) {
        keys("backup.tokenSecretRef", b.getTokenSecretRef(), secrets, out, SecretKeys.TOKEN);
      }
    }
    return out;
  }

  private static void version(Etcd etcd, OperatorConfig cfg, List<Problem> out) {
    EtcdVersion v;
    try {
      v = EtcdVersion.of(etcd, cfg);
    } catch (IllegalArgumentException ex) {
      out.add(new Problem("etcd.version", ex.getMessage()));
      return;
    }
    if (!v.atLeast(3, 4)) {
      out.add(new Problem("etcd.version", "etcd " + v + " is not supported: cairn adds members as learners,"
          + " which needs etcd 3.4 or newer. Set etcd.version to a 3.4.x or 3.5.x release (and etcd.image to"
          + " match, if set)."));
    }
  }

  private static void capacity(Etcd etcd, StatefulSet existing, List<Problem> out) {
    Quantity capacity = etcd.getSpec().getStorage().getCapacity();
    Quantity quota = etcd.getSpec().getEtcd().getQuotaBackendBytes();
    long cap;
    long q;
    try {
      cap = ConfigRenderer.bytes(capacity);
      q = ConfigRenderer.bytes(quota);
    } catch (RuntimeException ex) {
      out.add(new Problem("storage.capacity", "cannot compare storage.capacity " + capacity
          + " with etcd.quotaBackendBytes " + quota + ": " + ex.getMessage()));
      return;
    }
    if (cap <= q) {
      out.add(new Problem("storage.capacity", "storage.capacity " + capacity + " is not larger than"
          + " etcd.quotaBackendBytes " + quota + ": the volume must hold the database plus the WAL, Raft"
          + " snapshots and a defragmentation copy. Set storage.capacity to about twice the quota, or lower the"
          + " quota."));
    }
    Optional<Quantity> current = existingCapacity(existing);
    if (current.isPresent()) {
      long now = ConfigRenderer.bytes(current.get());
      if (cap < now) {
        out.add(new Problem("storage.capacity", "storage.capacity " + capacity + " is smaller than the members'"
            + " volumes (" + current.get() + "): volumes cannot shrink. Set storage.capacity back to at least "
            + current.get() + "."));
      }
    }
  }

  /** The capacity the existing StatefulSet's volumeClaimTemplate asks for. */
  public static Optional<Quantity> existingCapacity(StatefulSet sts) {
    if (sts == null || sts.getSpec() == null || sts.getSpec().getVolumeClaimTemplates() == null) {
      return Optional.empty();
    }
    for (PersistentVolumeClaim t : sts.getSpec().getVolumeClaimTemplates()) {
      if (Names.DATA_VOLUME.equals(t.getMetadata().getName()) && t.getSpec() != null
          && t.getSpec().getResources() != null && t.getSpec().getResources().getRequests() != null) {
        return Optional.ofNullable(t.getSpec().getResources().getRequests().get("storage"));
      }
    }
    return Optional.empty();
  }

  private static void tls(String field, SecretRef ref, SecretLookup secrets, List<Problem> out) {
    keys(field, ref, secrets, out, SecretKeys.TLS_CERT, SecretKeys.TLS_KEY, SecretKeys.CA_CERT);
  }

  private static Optional<Map<String, String>> keys(
      String field, SecretRef ref, SecretLookup secrets, List<Problem> out, String... required) {
    Optional<Map<String, String>> data = secrets.data(ref.getName());
    if (data.isEmpty()) {
      out.add(new Problem(field, "Secret " + ref.getName() + " (" + field + ") does not exist in the Etcd's"
          + " namespace. Create it with the keys " + String.join(", ", required) + "."));
      return Optional.empty();
    }
    List<String> missing = new ArrayList<>();
    for (String k : required) {
      String v = data.get().get(k);
      if (v == null || v.isEmpty()) {
        missing.add(k);
      }
    }
    if (!missing.isEmpty()) {
      out.add(new Problem(field, "Secret " + ref.getName() + " (" + field + ") lacks the key(s) "
          + String.join(", ", missing) + ". Add them; it needs " + String.join(", ", required) + "."));
    }
    return data;
  }

  private static void encryptionKey(SecretRef ref, SecretLookup secrets, List<Problem> out) {
    String field = "backup.encryption.keySecretRef";
    Optional<Map<String, String>> data = keys(field, ref, secrets, out, SecretKeys.ENCRYPTION_KEY);
    String b64 = data.map(d -> d.get(SecretKeys.ENCRYPTION_KEY)).orElse(null);
    if (b64 == null || b64.isEmpty()) {
      return;
    }
    int length;
    try {
      length = Base64.getDecoder().decode(b64).length;
    } catch (IllegalArgumentException ex) {
      out.add(new Problem(field, "Secret " + ref.getName() + " key '" + SecretKeys.ENCRYPTION_KEY
          + "' is not valid base64 in the Secret's data."));
      return;
    }
    // The length only: the key itself is never logged or reported.
    if (length != 32) {
      out.add(new Problem(field, "Secret " + ref.getName() + " key '" + SecretKeys.ENCRYPTION_KEY + "' holds "
          + length + " bytes; AES-256-GCM needs exactly 32. Generate one with: head -c 32 /dev/urandom."));
    }
  }
}
