package dev.cairn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JOSDK's monitoring hooks as Micrometer meters (served on /metrics): reconciles and their outcome,
 * durations, errors by kind, the work queue depth (resources with an event not yet being reconciled),
 * reconciles in flight, and the operator's own writes and recorded errors.
 */
public final class OperatorMetrics implements Metrics {

  private final MeterRegistry registry;
  private final Set<ResourceID> queued = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("cairn_operator_queue_depth", queued, Set::size)
        .description("Resources with an event waiting for a reconcile").register(registry);
    Gauge.builder("cairn_operator_reconciles_in_flight", inFlight, AtomicInteger::get)
        .description("Reconciles running now").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  private static String kind(HasMetadata r, Map<String, Object> md) {
    return r != null ? r.getKind() : kind(md);
  }

  private static String kind(Map<String, Object> md) {
    Object gvk = md == null ? null : md.get(Constants.RESOURCE_GVK_KEY);
    return gvk instanceof GroupVersionKind g ? g.getKind() : "unknown";
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    queued.add(event.getRelatedCustomResourceID());
    Counter.builder("cairn_operator_events_received").tag("kind", kind(metadata))
        .description("Events that may trigger a reconcile").register(registry).increment();
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    queued.remove(ResourceID.fromResource(resource));
    inFlight.incrementAndGet();
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    inFlight.decrementAndGet();
  }

  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    Counter.builder("cairn_operator_reconciles_started").tag("kind", kind(resource, metadata))
        .tag("retry", retryInfo == null ? "false" : "true")
        .description("Reconciles submitted").register(registry).increment();
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    Counter.builder("cairn_operator_reconciles").tag("kind", kind(resource, metadata)).tag("result", "success")
        .description("Reconciles finished, by result").register(registry).increment();
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    String kind = kind(resource, metadata);
    Counter.builder("cairn_operator_reconciles").tag("kind", kind).tag("result", "failure")
        .description("Reconciles finished, by result").register(registry).increment();
    Counter.builder("cairn_operator_reconcile_errors").tag("kind", kind)
        .tag("error", exception.getClass().getSimpleName())
        .description("Reconcile failures and recorded errors, by kind").register(registry).increment();
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    queued.remove(resourceID);
    Counter.builder("cairn_operator_cleanups").tag("kind", kind(metadata))
        .description("Finalizer cleanups done").register(registry).increment();
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    Timer.Sample sample = Timer.start(registry);
    String result = "failure";
    try {
      T out = execution.execute();
      result = execution.successTypeName(out);
      return out;
    } finally {
      sample.stop(Timer.builder("cairn_operator_reconcile_duration")
          .tag("controller", execution.controllerName())
          .tag("operation", execution.name())
          .tag("result", result)
          .description("Time spent in reconcile and cleanup").register(registry));
    }
  }

  /** An error a reconcile recorded in status (lastErrors), by kind and code. */
  public void recordedError(String kind, String code) {
    Counter.builder("cairn_operator_reconcile_errors").tag("kind", kind).tag("error", code)
        .description("Reconcile failures and recorded errors, by kind").register(registry).increment();
  }

  /** A write the operator made to the API server. */
  public void wrote(String kind, String verb) {
    Counter.builder("cairn_operator_writes").tag("kind", kind).tag("verb", verb)
        .description("Writes to the API server, by kind and verb").register(registry).increment();
  }

  /** Total writes so far (the benchmark and tests read it). */
  public double writes() {
    return registry.find("cairn_operator_writes").counters().stream().mapToDouble(Counter::count).sum();
  }
}
