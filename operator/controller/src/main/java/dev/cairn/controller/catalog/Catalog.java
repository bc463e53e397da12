package dev.cairn.controller.catalog;

import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.reconcile.WriteListener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;

/**
 * The snapshot catalog: {@link CatalogReconciler} (per Etcd: store to records) and {@link
 * SnapshotReconciler} (per record: deletion and its protection), sharing the record index, the writer
 * and what is known about each store. {@link #register} wires both into an operator.
 */
public final class Catalog {

  /** Names per store listing request and per page held in memory. */
  public static final int PAGE_SIZE = 1000;
  /** Records created at the same time (each one: a metadata read and two API writes). */
  public static final int PARALLELISM = 8;
  /** Whole records kept in memory; the rest of the index is names. */
  public static final int CACHED_RECORDS = 1000;

  final KubernetesClient client;
  final Clock clock;
  final WriteListener writes;
  final KubeEvents events;
  final CatalogIndex index;
  final CatalogSync sync;
  final Protection protection;
  final StoreCache stores = new StoreCache();
  /** Full resync of every Etcd's catalog; between them, snapshot Lease renewals trigger incremental passes. */
  final Duration resyncPeriod;
  /** How often a refused (protected) deletion is looked at again. */
  final Duration protectedRecheck;
  /** The Etcd reconciler's finalizer, which the catalog's waits for. */
  final String etcdFinalizer;

  private Catalog(KubernetesClient client, OperatorConfig cfg, String identity, Clock clock, WriteListener writes) {
    this.client = client;
    this.clock = clock;
    this.writes = writes;
    this.events = new KubeEvents(client, identity, clock, writes);
    this.index = CatalogIndex.create(client, CACHED_RECORDS);
    this.sync = new CatalogSync(client, index, writes, PAGE_SIZE, PARALLELISM);
    this.resyncPeriod = cfg.maxReconcileInterval;
    this.protectedRecheck = cfg.maxReconcileInterval;
    this.protection = new Protection(Duration.ofSeconds(30), PAGE_SIZE);
    this.etcdFinalizer = cfg.finalizer;
  }

  /**
   * Registers both catalog reconcilers. The full resync period is the operator's {@code
   * maxReconcileInterval} (the same safety net the Etcd reconciler uses).
   */
  public static Catalog register(
      Operator operator, KubernetesClient client, OperatorConfig cfg, String identity, Clock clock, WriteListener writes) {
    Catalog c = new Catalog(client, cfg, identity, clock, writes);
    SnapshotReconciler snapshots = new SnapshotReconciler(c);
    operator.register(snapshots, snapshots::configure);
    operator.register(new CatalogReconciler(c), o -> {
      o.withFinalizer(CatalogReconciler.FINALIZER)
          .withGenerationAware(false)
          .withOnUpdateFilter(CatalogReconciler::primaryChanged)
          .withReconciliationMaxInterval(cfg.maxReconcileInterval);
      if (!cfg.namespaces.isEmpty()) {
        o.settingNamespaces(cfg.namespaces);
      }
    });
    return c;
  }

  /** The record index (tests and the benchmark look at its size). */
  public CatalogIndex index() {
    return index;
  }
}
