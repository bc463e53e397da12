package dev.cairn.controller.catalog;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.SecretRef;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One open store per Etcd for the catalog's passes: a snapshot Lease renewal every few seconds on
 * hundreds of clusters must not build S3 clients (and their connection pools) every time. An entry is
 * replaced when the Etcd's store settings or its credentials or CA Secret change.
 */
final class StoreCache {

  private record Entry(String fingerprint, EtcdStore store, long usedAt) {}

  /**
   * An entry unused this long is opened afresh: its pooled connections may have been closed by the
   * server meanwhile, and the agent's S3 client does not retry on them.
   */
  private static final long IDLE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(15);

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  /** The Etcd's store; the cache owns it (do not close it). */
  EtcdStore get(KubernetesClient client, Etcd etcd) throws IOException {
    String key = CatalogReconciler.key(etcd);
    String fp = fingerprint(client, etcd);
    Entry e = entries.get(key);
    long now = System.nanoTime();
    if (e != null && e.fingerprint().equals(fp) && now - e.usedAt() < IDLE_NANOS) {
      entries.put(key, new Entry(fp, e.store(), now));
      return e.store();
    }
    EtcdStore s = EtcdStore.open(client, etcd);
    Entry old = entries.put(key, new Entry(fp, s, now));
    if (old != null) {
      old.store().close();
    }
    return s;
  }

  void forget(String key) {
    Entry old = entries.remove(key);
    if (old != null) {
      old.store().close();
    }
  }

  private static String fingerprint(KubernetesClient client, Etcd etcd) {
    var st = etcd.getSpec().getBackup().getStore();
    return Serialization.asJson(st) + "|" + version(client, etcd, st.getCredentialsSecretRef()) + "|"
        + version(client, etcd, st.getCaSecretRef());
  }

  private static String version(KubernetesClient client, Etcd etcd, SecretRef ref) {
    if (ref == null) {
      return "-";
    }
    Secret s = client.secrets().inNamespace(etcd.getMetadata().getNamespace()).withName(ref.getName()).get();
    return s == null ? "missing" : s.getMetadata().getUid() + "/" + s.getMetadata().getResourceVersion();
  }
}
