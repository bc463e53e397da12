package dev.cairn.controller.reconcile;

import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events on an Etcd for the transitions a person should see. A failure to record is
 * logged and never fails the reconcile. Messages never hold secret values.
 */
public final class EventRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final AtomicLong SEQ = new AtomicLong();

  private final KubernetesClient client;
  private final String instance;
  private final Clock clock;
  private final WriteListener listener;

  public EventRecorder(KubernetesClient client, String instance, Clock clock, WriteListener listener) {
    this.client = client;
    this.instance = instance;
    this.clock = clock;
    this.listener = listener;
  }

  public void record(Etcd etcd, String type, String reason, String message) {
    String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    String name = etcd.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis())
        + Long.toHexString(SEQ.incrementAndGet());
    Event e = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(etcd.getMetadata().getNamespace()).endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(Etcd.API_VERSION).withKind("Etcd")
        .withName(etcd.getMetadata().getName()).withNamespace(etcd.getMetadata().getNamespace())
        .withUid(etcd.getMetadata().getUid())
        .endInvolvedObject()
        .withType(type)
        .withReason(reason)
        .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent("cairn-operator").endSource()
        .withReportingComponent("cairn.dev/operator")
        .withReportingInstance(instance)
        .build();
    LOG.info("event {} {} on {}/{}: {}", type, reason, etcd.getMetadata().getNamespace(), etcd.getMetadata().getName(),
        message);
    try {
      client.v1().events().inNamespace(etcd.getMetadata().getNamespace()).resource(e).create();
      listener.wrote("Event", "create");
    } catch (RuntimeException ex) {
      LOG.warn("could not record event {} on {}/{}: {}", reason, etcd.getMetadata().getNamespace(),
          etcd.getMetadata().getName(), ex.getMessage());
    }
  }
}
