package dev.cairn.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' garbage collector, which the local API server lacks: an object whose owners (by
 * {@code ownerReferences}) are all gone is deleted, so deleting an Etcd takes its StatefulSet,
 * Services and ConfigMaps with it, as on a real cluster. Background propagation only; an owner of
 * a kind this server does not serve counts as present. Before a deletion the owner is read once
 * more by name, so an owner created during the pass is never mistaken for a missing one.
 */
final class LocalGarbageCollector implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalGarbageCollector.class);

  private final KubernetesClient client;
  private final List<ApiResource> kinds;
  private final ScheduledExecutorService timer;

  private LocalGarbageCollector(KubernetesClient client, List<ApiResource> kinds, Duration period) {
    this.client = client;
    // Events and CRDs have no owners worth following here, and there are many Events.
    this.kinds = kinds.stream().filter(k -> !k.kind().equals("CustomResourceDefinition") && !k.kind().equals("Event")).toList();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "local-garbage-collector");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::collectQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  static LocalGarbageCollector start(KubernetesClient client, List<ApiResource> kinds, Duration period) {
    return new LocalGarbageCollector(client, kinds, period);
  }

  private void collectQuietly() {
    try {
      collect();
    } catch (RuntimeException e) {
      LOG.debug("garbage collection pass failed (next pass retries): {}", e.toString());
    }
  }

  /** One pass; returns the objects deleted as {@code Kind namespace/name}. */
  List<String> collect() {
    List<GenericKubernetesResource> all = new ArrayList<>();
    Set<String> uids = new HashSet<>();
    for (ApiResource k : kinds) {
      var op = client.genericKubernetesResources(k.groupVersion(), k.kind());
      List<GenericKubernetesResource> items = k.namespaced() ? op.inAnyNamespace().list().getItems() : op.list().getItems();
      for (GenericKubernetesResource r : items) {
        all.add(r);
        uids.add(r.getMetadata().getUid());
      }
    }
    List<String> deleted = new ArrayList<>();
    for (GenericKubernetesResource r : all) {
      List<OwnerReference> owners = r.getMetadata().getOwnerReferences();
      if (owners == null || owners.isEmpty() || r.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      boolean orphan = owners.stream().allMatch(o -> known(o) && !uids.contains(o.getUid()) && !exists(o, r));
      if (orphan) {
        String what = r.getKind() + " " + (r.getMetadata().getNamespace() == null ? "" : r.getMetadata().getNamespace() + "/")
            + r.getMetadata().getName();
        LOG.info("{}: its owner is gone, deleting it", what);
        try {
          client.resource(r).delete();
          deleted.add(what);
        } catch (KubernetesClientException e) {
          LOG.debug("cannot delete {}: {}", what, e.getMessage());
        }
      }
    }
    return deleted;
  }

  private boolean known(OwnerReference o) {
    return kinds.stream().anyMatch(k -> k.groupVersion().equals(o.getApiVersion()) && k.kind().equals(o.getKind()));
  }

  /** The owner, read by name in the dependent's namespace (or cluster-wide), with the same uid. */
  private boolean exists(OwnerReference o, GenericKubernetesResource dependent) {
    ApiResource k = kinds.stream().filter(x -> x.groupVersion().equals(o.getApiVersion()) && x.kind().equals(o.getKind()))
        .findFirst().orElseThrow();
    var op = client.genericKubernetesResources(k.groupVersion(), k.kind());
    GenericKubernetesResource owner = k.namespaced()
        ? op.inNamespace(dependent.getMetadata().getNamespace()).withName(o.getName()).get()
        : op.withName(o.getName()).get();
    return owner != null && o.getUid().equals(owner.getMetadata().getUid());
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
