package dev.cairn.agent.restore;

import dev.cairn.agent.membership.EtcdGateway;
import dev.cairn.agent.snapshot.DeltaEvent;
import dev.cairn.agent.snapshot.DeltaFormat;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays delta events into the temporary etcd so that every restored revision equals the source's:
 * the events of one source revision become one transaction, and transactions are applied in
 * revision order. Each transaction's response must carry exactly its source revision.
 *
 * <p>Speed without reordering: one transaction at a time would wait for one WAL fsync each. Instead
 * up to a window of transactions is in flight, and each carries a guard that holds only once its
 * predecessor has been applied at its own revision ({@code mod_revision(k) == R-1} for a key k the
 * predecessor put). etcd may receive them out of order; a transaction that arrives early fails its
 * guard, changes nothing, and is sent again with everything after it (go-back-N), and the window
 * shrinks. A revision that only deletes leaves no key to guard on, so the next transaction is sent
 * alone once everything before it is confirmed. The guard is sound because, by induction, every
 * applied transaction sits at its own source revision.
 *
 * <p>Leases: keys keep their lease ids. Leases of the base snapshot are kept alive during the replay
 * (a lease expiring in the temporary etcd would delete keys and add revisions the source never had);
 * a lease first seen in a delta is granted with its id and {@link Options#newLeaseTtl()}.
 *
 * <p>History grows with every replayed revision, so the replay compacts every {@link
 * Options#compactEvery()} revisions and defragments when the db passes {@link Options#defragRatio()}
 * of its quota.
 */
final class DeltaReplayer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeltaReplayer.class);

  /** Tuning of the replay. */
  record Options(int maxWindow, long compactEvery, double defragRatio, long quotaBytes, long newLeaseTtlSeconds,
      Duration callTimeout) {
    static Options defaults(long quotaBytes) {
      return new Options(256, 50_000, 0.6, quotaBytes, 3600, Duration.ofSeconds(60));
    }

    long newLeaseTtl() {
      return newLeaseTtlSeconds;
    }
  }

  /** One source revision as a transaction. */
  private static final class Txn {
    final long revision;
    final List<Op> ops = new ArrayList<>();
    final List<DeltaEvent> events = new ArrayList<>();
    byte[] guardKey; // a key this revision puts: the next revision's guard
    CompletableFuture<TxnResponse> future;
    boolean guarded;

    Txn(long revision) {
      this.revision = revision;
    }
  }

  private final TempEtcd etcd;
  private final Client client;
  private final EtcdGateway gateway;
  private final long limit;
  private final Options o;
  private final ArrayDeque<Txn> inflight = new ArrayDeque<>();
  private final Map<Long, CloseableClient> keepAlives = new HashMap<>();
  private long reached; // highest revision confirmed applied
  private long queued; // highest revision handed to the pipeline
  private byte[] lastGuardKey; // guard key of revision `queued`, null when it only deleted
  private int window = 16;
  private long sinceCompaction;
  private long events;
  private long revisions;
  private long resends;
  private Txn open;
  private String currentObject = "";

  /**
   * @param baseRevision the revision the temporary etcd is at (the base snapshot's)
   * @param limit apply no event above this revision
   */
  DeltaReplayer(TempEtcd etcd, EtcdGateway gateway, long baseRevision, long limit, Options o)
      throws RestoreException, InterruptedException {
    this.etcd = etcd;
    this.client = etcd.client();
    this.gateway = gateway;
    this.limit = limit;
    this.o = o;
    this.reached = baseRevision;
    this.queued = baseRevision;
    try {
      for (long id : gateway.leases(etcd.clientUrl())) {
        keepAlive(id);
      }
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "cannot list the leases of the temporary etcd: " + e.getMessage(), e);
    }
  }

  long reached() {
    return reached;
  }

  long events() {
    return events;
  }

  long revisions() {
    return revisions;
  }

  long resends() {
    return resends;
  }

  /** Replays every event of one verified delta file that lies above what was replayed and within the limit. */
  void replay(Path deltaFile, String objectName) throws RestoreException, InterruptedException {
    currentObject = objectName;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(deltaFile), 1 << 16)) {
      DeltaFormat.read(in, ev -> {
        try {
          accept(ev);
        } catch (RestoreException e) {
          throw new Carrier(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Carrier(new RestoreException(RestoreException.Reason.INTERRUPTED, "restore interrupted"));
        }
      });
      flushOpen();
    } catch (Carrier c) {
      throw c.failure;
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.CORRUPT_OBJECT,
          "delta " + objectName + " could not be replayed: " + e.getMessage(), e);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException("restore interrupted");
    }
  }

  private static final class Carrier extends RuntimeException {
    final RestoreException failure;

    Carrier(RestoreException failure) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
    }
  }

  private void accept(DeltaEvent ev) throws RestoreException, InterruptedException {
    long rev = ev.modRevision();
    if (rev > limit) {
      return;
    }
    if (open != null && open.revision == rev) {
      add(open, ev);
      return;
    }
    if (rev <= queued) {
      return; // already replayed: deltas of two agents overlap at their edges
    }
    flushOpen();
    if (rev != queued + 1) {
      throw new RestoreException(RestoreException.Reason.GAP,
          "delta " + currentObject + " continues at revision " + rev + " but the restore has reached revision "
              + queued + ": revisions " + (queued + 1) + ".." + (rev - 1) + " are missing from the chain");
    }
    open = new Txn(rev);
    add(open, ev);
  }

  private void add(Txn t, DeltaEvent ev) throws RestoreException, InterruptedException {
    ByteSequence key = ByteSequence.from(ev.key());
    if (ev.type() == DeltaEvent.Type.PUT) {
      PutOption po = PutOption.DEFAULT;
      if (ev.lease() != 0) {
        ensureLease(ev.lease());
        po = PutOption.builder().withLeaseId(ev.lease()).build();
      }
      t.ops.add(Op.put(key, ByteSequence.from(ev.value()), po));
      if (t.guardKey == null) {
        t.guardKey = ev.key();
      }
    } else {
      t.ops.add(Op.delete(key, DeleteOption.DEFAULT));
    }
    t.events.add(ev);
  }

  private void flushOpen() throws RestoreException, InterruptedException {
    if (open == null) {
      return;
    }
    Txn t = open;
    open = null;
    submit(t);
  }

  private void submit(Txn t) throws RestoreException, InterruptedException {
    while (inflight.size() >= window) {
      confirmHead();
    }
    if (lastGuardKey == null && t.revision != reached + 1) {
      // The predecessor only deleted: nothing proves it is applied, so wait until it is.
      drain();
    }
    send(t, lastGuardKey);
    queued = t.revision;
    lastGuardKey = t.guardKey;
  }

  private void send(Txn t, byte[] guard) {
    io.etcd.jetcd.Txn txn = client.getKVClient().txn();
    boolean guarded = t.revision != reached + 1 || !inflight.isEmpty();
    if (guarded && guard != null) {
      txn = txn.If(new Cmp(ByteSequence.from(guard), Cmp.Op.EQUAL, CmpTarget.modRevision(t.revision - 1)));
    }
    t.guarded = guarded && guard != null;
    t.future = txn.Then(t.ops.toArray(Op[]::new)).commit();
    inflight.addLast(t);
  }

  /** Waits for the oldest transaction in flight and acts on its answer. */
  private void confirmHead() throws RestoreException, InterruptedException {
    Txn head = inflight.peekFirst();
    TxnResponse r = await(head);
    if (r.isSucceeded()) {
      long got = r.getHeader().getRevision();
      if (got != head.revision) {
        throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
            "replaying revision " + head.revision + " of " + currentObject + " gave revision " + got
                + ": the base snapshot and the deltas do not line up, so the restored revisions would differ from the"
                + " source's; the restore stops");
      }
      inflight.removeFirst();
      reached = head.revision;
      revisions++;
      events += head.events.size();
      sinceCompaction++;
      if (window < o.maxWindow()) {
        window++;
      }
      if (sinceCompaction >= o.compactEvery()) {
        maintain();
      }
      return;
    }
    // It arrived before its predecessor was applied: nothing after it can have applied either.
    List<Txn> retry = new ArrayList<>(inflight);
    inflight.clear();
    for (Txn t : retry) {
      TxnResponse later = await(t);
      if (later.isSucceeded()) {
        throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
            "revision " + t.revision + " was applied although revision " + head.revision + " was not: the guard"
                + " failed, the restore stops");
      }
    }
    long now = currentRevision();
    if (now != reached) {
      throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
          "revision " + head.revision + " of " + currentObject + " was refused as out of order, but the temporary etcd"
              + " is at revision " + now + " instead of " + reached + "; the restore stops");
    }
    resends += retry.size();
    window = Math.max(2, window / 2);
    LOG.debug("revision {} arrived early; resending {} transaction(s), window now {}", head.revision, retry.size(),
        window);
    for (Txn t : retry) {
      byte[] guard = null;
      if (t != retry.get(0)) {
        guard = retry.get(retry.indexOf(t) - 1).guardKey;
        if (guard == null) {
          drain();
        }
      }
      send(t, guard);
    }
  }

  private TxnResponse await(Txn t) throws RestoreException, InterruptedException {
    try {
      return t.future.get(o.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable c = e instanceof ExecutionException ? e.getCause() : e;
      throw new RestoreException(RestoreException.Reason.TOOL,
          "the temporary etcd failed to apply revision " + t.revision + " of " + currentObject + " (" + t.events.size()
              + " events): " + c + "; its log: " + etcd.clientUrl(), c);
    }
  }

  /** Waits until everything in flight is confirmed. */
  void drain() throws RestoreException, InterruptedException {
    while (!inflight.isEmpty()) {
      confirmHead();
    }
  }

  /** Compacts the replayed history and defragments when the db nears its quota. */
  private void maintain() throws RestoreException, InterruptedException {
    sinceCompaction = 0;
    // In flight transactions are guarded, so compaction could run beside them; a defragmentation
    // blocks the backend, so both wait for a quiet pipeline.
    drain();
    try {
      client.getKVClient().compact(reached, CompactOption.builder().withCompactPhysical(true).build())
          .get(o.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
      StatusResponse s = etcd.status();
      if (s.getDbSize() > o.defragRatio() * o.quotaBytes()) {
        LOG.info("temporary etcd db is {} bytes ({}% of its quota): defragmenting", s.getDbSize(),
            100 * s.getDbSize() / o.quotaBytes());
        client.getMaintenanceClient().defragmentMember(etcd.clientUrl().toString()).get(30, TimeUnit.MINUTES);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "compaction or defragmentation of the temporary etcd at revision " + reached + " failed: " + e, e);
    }
  }

  /** Drains and checks that etcd is at exactly the last replayed revision. */
  long finish() throws RestoreException, InterruptedException {
    flushOpen();
    drain();
    long rev = currentRevision();
    if (rev != reached) {
      throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
          "after replaying up to revision " + reached + " the temporary etcd is at revision " + rev
              + ": something besides the replay changed it (an expired lease?); the restore stops");
    }
    return rev;
  }

  private long currentRevision() throws RestoreException, InterruptedException {
    try {
      return client.getKVClient().get(ByteSequence.from(new byte[] {0})).get(30, TimeUnit.SECONDS).getHeader()
          .getRevision();
    } catch (ExecutionException | TimeoutException e) {
      throw new RestoreException(RestoreException.Reason.TOOL, "cannot read the revision of the temporary etcd: "
          + e, e);
    }
  }

  private void ensureLease(long id) throws RestoreException, InterruptedException {
    if (keepAlives.containsKey(id)) {
      return;
    }
    try {
      gateway.grantLease(etcd.clientUrl(), id, o.newLeaseTtl());
    } catch (IOException e) {
      throw new RestoreException(RestoreException.Reason.TOOL,
          "cannot grant lease " + Long.toHexString(id) + " in the temporary etcd: " + e.getMessage(), e);
    }
    keepAlive(id);
  }

  private void keepAlive(long id) {
    keepAlives.put(id, client.getLeaseClient().keepAlive(id, new StreamObserver<LeaseKeepAliveResponse>() {
      @Override
      public void onNext(LeaseKeepAliveResponse value) {}

      @Override
      public void onError(Throwable t) {
        LOG.debug("keep-alive of lease {} in the temporary etcd ended: {}", Long.toHexString(id), t.toString());
      }

      @Override
      public void onCompleted() {}
    }));
  }

  @Override
  public void close() {
    keepAlives.values().forEach(k -> {
      try {
        k.close();
      } catch (RuntimeException ignored) {
        // the temporary etcd is going away anyway
      }
    });
    keepAlives.clear();
  }
}
