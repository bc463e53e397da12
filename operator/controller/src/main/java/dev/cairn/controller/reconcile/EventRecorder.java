package dev.cairn.controller.reconcile;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.catalog.KubeEvents;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/**
 * Records core/v1 Events on an Etcd for the transitions a person should see, through the same
 * {@link KubeEvents} the catalog and the tasks use. A failure to record is logged and never fails the
 * reconcile. Messages never hold secret values.
 */
public final class EventRecorder {

  private final KubeEvents events;

  public EventRecorder(KubernetesClient client, String instance, Clock clock, WriteListener listener) {
    this.events = new KubeEvents(client, instance, clock, listener);
  }

  public void record(Etcd etcd, String type, String reason, String message) {
    events.record(etcd, type, reason, message);
  }
}
