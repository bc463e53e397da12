package dev.cairn.controller.reconcile;

import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.RecentOperationCacheFiller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every write to a managed object goes through here: create, or update carrying the resourceVersion
 * that was read (a concurrent change is a 409 and the pass is retried, never a silent overwrite). The
 * result is handed to the informer cache, so the next pass sees its own write and the write's own
 * event does not trigger another pass.
 */
final class ResourceWriter {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceWriter.class);

  private final KubernetesClient client;
  private final Context<Etcd> context;
  private final WriteListener listener;

  ResourceWriter(KubernetesClient client, Context<Etcd> context, WriteListener listener) {
    this.client = client;
    this.context = context;
    this.listener = listener;
  }

  <T extends HasMetadata> T create(T desired) {
    T created = client.resource(desired).create();
    listener.wrote(desired.getKind(), "create");
    LOG.info("created {} {}/{}", desired.getKind(), desired.getMetadata().getNamespace(), desired.getMetadata().getName());
    cache(created).ifPresent(c -> c.handleRecentResourceCreate(ResourceID.fromResource(created), created));
    return created;
  }

  <T extends HasMetadata> T update(T actual, T merged) {
    T updated = client.resource(merged).update();
    listener.wrote(merged.getKind(), "update");
    LOG.info("updated {} {}/{}", merged.getKind(), merged.getMetadata().getNamespace(), merged.getMetadata().getName());
    cache(updated).ifPresent(c -> c.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, actual));
    return updated;
  }

  /** Deletes exactly the object that was read (resourceVersion precondition). */
  void delete(HasMetadata actual) {
    client.resource(actual).lockResourceVersion(actual.getMetadata().getResourceVersion()).delete();
    listener.wrote(actual.getKind(), "delete");
    LOG.info("deleted {} {}/{}", actual.getKind(), actual.getMetadata().getNamespace(), actual.getMetadata().getName());
  }

  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> java.util.Optional<RecentOperationCacheFiller<T>> cache(T resource) {
    if (context == null) {
      return java.util.Optional.empty();
    }
    try {
      Object source = context.eventSourceRetriever().getEventSourceFor(resource.getClass());
      if (source instanceof RecentOperationCacheFiller<?> filler) {
        return java.util.Optional.of((RecentOperationCacheFiller<T>) filler);
      }
    } catch (RuntimeException e) {
      LOG.debug("no informer for {}: {}", resource.getKind(), e.toString());
    }
    return java.util.Optional.empty();
  }
}
