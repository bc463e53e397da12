package dev.cairn.controller.catalog;

import dev.cairn.controller.reconcile.WriteListener;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * core/v1 Events on any object the catalog and the tasks touch (Etcd, EtcdSnapshot, EtcdOpsTask).
 * Events about a cluster-scoped object go to the {@code default} namespace, as Kubernetes does. A
 * failure to record is logged, never thrown. Messages never hold secret values.
 */
public final class KubeEvents {

  private static final Logger LOG = LoggerFactory.getLogger(KubeEvents.class);
  private static final AtomicLong SEQ = new AtomicLong();

  private final KubernetesClient client;
  private final String instance;
  private final Clock clock;
  private final WriteListener writes;

  public KubeEvents(KubernetesClient client, String instance, Clock clock, WriteListener writes) {
    this.client = client;
    this.instance = instance;
    this.clock = clock;
    this.writes = writes;
  }

  public void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  public void record(HasMetadata about, String type, String reason, String message) {
    String ns = about.getMetadata().getNamespace() == null ? "default" : about.getMetadata().getNamespace();
    String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    String base = about.getMetadata().getName();
    if (base.length() > 200) {
      base = base.substring(0, 200);
    }
    Event e = new EventBuilder()
        .withNewMetadata()
        .withName(base + "." + Long.toHexString(System.currentTimeMillis()) + Long.toHexString(SEQ.incrementAndGet()))
        .withNamespace(ns)
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(about.getApiVersion()).withKind(about.getKind())
        .withName(about.getMetadata().getName()).withNamespace(about.getMetadata().getNamespace())
        .withUid(about.getMetadata().getUid())
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
    LOG.info("event {} {} on {} {}: {}", type, reason, about.getKind(), about.getMetadata().getName(), message);
    try {
      client.v1().events().inNamespace(ns).resource(e).create();
      writes.wrote("Event", "create");
    } catch (RuntimeException ex) {
      LOG.warn("could not record event {} on {} {}: {}", reason, about.getKind(), about.getMetadata().getName(),
          ex.getMessage());
    }
  }
}
