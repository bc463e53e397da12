package dev.cairn.controller.catalog;

import dev.cairn.api.v1alpha1.EtcdSnapshot;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.source.cache.BoundedCache;
import io.javaoperatorsdk.operator.processing.event.source.cache.BoundedItemStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The informer store of {@code EtcdSnapshot} records, bounded: whole objects only for the most recently
 * used few (the rest are fetched from the API server on demand), names and resource versions for all,
 * plus a sorted name index so the catalog can walk one Etcd's records next to its store listing. A
 * catalog of 20,000 snapshots then costs a few hundred bytes per record, not a full object each.
 */
public final class CatalogIndex extends BoundedItemStore<EtcdSnapshot> {

  private final NavigableSet<String> names;

  private CatalogIndex(BoundedCache<String, EtcdSnapshot> cache, KubernetesClient client, NavigableSet<String> names) {
    super(cache, EtcdSnapshot.class, client);
    this.names = names;
  }

  /** {@code fullObjects}: how many whole records are kept in memory. */
  public static CatalogIndex create(KubernetesClient client, int fullObjects) {
    return new CatalogIndex(new Lru<>(fullObjects), client, new ConcurrentSkipListSet<>());
  }

  @Override
  public synchronized EtcdSnapshot put(String key, EtcdSnapshot obj) {
    EtcdSnapshot previous = super.put(key, obj);
    names.add(key);
    return previous;
  }

  @Override
  public synchronized EtcdSnapshot remove(String key) {
    names.remove(key);
    return super.remove(key);
  }

  /** The record names starting with {@code prefix}, ascending; a live, weakly consistent view. */
  public NavigableSet<String> namesWithPrefix(String prefix) {
    return names.subSet(prefix, true, prefix + Character.MAX_VALUE, false);
  }

  /** Whether the informer has seen a record of this name. */
  public boolean contains(String name) {
    return names.contains(name);
  }

  public int records() {
    return names.size();
  }

  /** Least recently used eviction, for the whole objects. */
  static final class Lru<K, V> implements BoundedCache<K, V> {
    private final Map<K, V> map;

    Lru(int max) {
      this.map = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
          return size() > max;
        }
      };
    }

    @Override
    public synchronized V get(K key) {
      return map.get(key);
    }

    @Override
    public synchronized V remove(K key) {
      return map.remove(key);
    }

    @Override
    public synchronized void put(K key, V value) {
      map.put(key, value);
    }
  }
}
