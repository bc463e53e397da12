package dev.cairn.agent.restore;

import dev.cairn.agent.membership.EtcdGateway;
import dev.cairn.agent.snapshot.DeltaEvent;
import dev.cairn.agent.snapshot.DeltaFormat;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.CompactOption;
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
 * <p>Order: etcd numbers revisions in the order it applies requests, and it does not keep the order
 * of concurrent requests, so transactions normally go one at a time over a plain gRPC channel. When
 * more are in flight (the window grows after long in-order runs), each carries a guard that holds
 * only once its predecessor has been applied at its own revision ({@code mod_revision(k) == R-1} for
 * a key k the predecessor put, or {@code version(k) == 0} for a key it deleted that no other
 * transaction in flight touches). A transaction that arrives early fails its guard, changes nothing,
 * and is sent again with everything after it (go-back-N). The guard is sound because, by induction,
 * every applied transaction sits at its own source revision.
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
  record Options(int initialWindow, int maxWindow, long compactEvery, double defragRatio, long quotaBytes,
      long newLeaseTtlSeconds, Duration callTimeout) {
    static Options defaults(long quotaBytes) {
      return new Options(1, 64, 50_000, 0.6, quotaBytes, 3600, Duration.ofSeconds(60));
    }

    long newLeaseTtl() {
      return newLeaseTtlSeconds;
    }
  }

  /** One source revision as a transaction. */
  private static final class Txn {
    final long revision;
    final List<RequestOp> ops = new ArrayList<>();
    final List<DeltaEvent> events = new ArrayList<>();
    byte[] guardKey; // a key this revision puts: the next revision's guard
    byte[] deletedKey; // a key this revision deletes: the next revision's guard when it puts none
    final List<java.nio.ByteBuffer> keys = new ArrayList<>();
    ListenableFuture<TxnResponse> future;
    boolean guarded;

    Txn(long revision) {
      this.revision = revision;
    }
  }

  private final TempEtcd etcd;
  private final Client client;
  // Transactions go through a plain gRPC channel: jetcd hands each call to a thread pool, which
  // reorders them before they reach the wire; calls on one grpc-java channel leave in call order.
  private final ManagedChannel channel;
  private final KVGrpc.KVFutureStub kv;
  private final EtcdGateway gateway;
  private final long limit;
  private final Options o;
  private final ArrayDeque<Txn> inflight = new ArrayDeque<>();
  private final Map<Long, CloseableClient> keepAlives = new HashMap<>();
  /** How many transactions in flight touch each key (the delete guard's soundness check). */
  private final Map<java.nio.ByteBuffer, Integer> inflightKeys = new HashMap<>();
  private long reached; // highest revision confirmed applied
  private long queued; // highest revision handed to the pipeline
  private Txn last; // the transaction of revision `queued`
  /**
   * Transactions in flight at once. etcd does not keep the order of concurrent requests (one
   * goroutine per request; measured on etcd 3.4: about a quarter of neighbours swapped with only
   * two in flight), so the replay runs one at a time, and the window grows only while a long run of
   * guarded transactions arrives in order; a single early arrival sets it back to one.
   */
  private int window = 1;
  private int streak;
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
    this.window = Math.max(1, o.initialWindow());
    this.channel = NettyChannelBuilder.forAddress(etcd.clientUrl().getHost().replace("[", "").replace("]", ""),
        etcd.clientUrl().getPort()).usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build();
    this.kv = KVGrpc.newFutureStub(channel);
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

  int window() {
    return window;
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
    ByteString key = ByteString.copyFrom(ev.key());
    if (ev.type() == DeltaEvent.Type.PUT) {
      PutRequest.Builder put = PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(ev.value()));
      if (ev.lease() != 0) {
        ensureLease(ev.lease());
        put.setLease(ev.lease());
      }
      t.ops.add(RequestOp.newBuilder().setRequestPut(put).build());
      if (t.guardKey == null) {
        t.guardKey = ev.key();
      }
    } else {
      t.ops.add(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build());
      if (t.deletedKey == null) {
        t.deletedKey = ev.key();
      }
    }
    t.keys.add(java.nio.ByteBuffer.wrap(ev.key()));
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
    send(t, last);
    queued = t.revision;
    last = t;
  }

  /**
   * Sends {@code t} guarded on its predecessor {@code p} (null when there is none to wait for). A
   * predecessor that put a key is proven applied by that key's mod revision. One that only deleted
   * is proven by the deleted key being gone, which holds only if no other transaction in flight
   * touches that key (else it could be gone because an earlier one is not applied yet); otherwise
   * the pipeline drains and {@code t} goes alone.
   */
  private void send(Txn t, Txn p) throws RestoreException, InterruptedException {
    Compare guard = null;
    if (p != null && p.revision > reached) {
      if (p.guardKey != null) {
        guard = Compare.newBuilder().setKey(ByteString.copyFrom(p.guardKey)).setTarget(Compare.CompareTarget.MOD)
            .setResult(Compare.CompareResult.EQUAL).setModRevision(t.revision - 1).build();
      } else if (inflightKeys.getOrDefault(java.nio.ByteBuffer.wrap(p.deletedKey), 0) == 1) {
        guard = Compare.newBuilder().setKey(ByteString.copyFrom(p.deletedKey)).setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.EQUAL).setVersion(0).build();
      } else {
        drain();
      }
    }
    TxnRequest.Builder txn = TxnRequest.newBuilder().addAllSuccess(t.ops);
    if (guard != null) {
      txn.addCompare(guard);
    }
    t.guarded = guard != null;
    t.future = kv.txn(txn.build());
    for (java.nio.ByteBuffer k : t.keys) {
      inflightKeys.merge(k, 1, Integer::sum);
    }
    inflight.addLast(t);
  }

  private void untrack(Txn t) {
    for (java.nio.ByteBuffer k : t.keys) {
      inflightKeys.computeIfPresent(k, (x, n) -> n == 1 ? null : n - 1);
    }
  }

  /** Waits for the oldest transaction in flight and acts on its answer. */
  private void confirmHead() throws RestoreException, InterruptedException {
    Txn head = inflight.peekFirst();
    TxnResponse r = await(head);
    if (r.getSucceeded()) {
      long got = r.getHeader().getRevision();
      if (got != head.revision) {
        throw new RestoreException(RestoreException.Reason.REVISION_MISMATCH,
            "replaying revision " + head.revision + " of " + currentObject + " gave revision " + got
                + ": the base snapshot and the deltas do not line up, so the restored revisions would differ from the"
                + " source's; the restore stops");
      }
      inflight.removeFirst();
      untrack(head);
      reached = head.revision;
      revisions++;
      events += head.events.size();
      sinceCompaction++;
      if (++streak >= 256 && window < o.maxWindow()) {
        streak = 0;
        window++;
      }
      if (sinceCompaction >= o.compactEvery()) {
        maintain();
      }
      return;
    }
    // It arrived before its predecessor was applied: nothing after it can have applied either.
    if (LOG.isTraceEnabled()) {
      LOG.trace("revision {} refused by its guard (header revision {}, {} in flight, reached {})", head.revision,
          r.getHeader().getRevision(), inflight.size(), reached);
    }
    List<Txn> retry = new ArrayList<>(inflight);
    inflight.clear();
    inflightKeys.clear();
    for (Txn t : retry) {
      TxnResponse later = await(t);
      if (later.getSucceeded()) {
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
    streak = 0;
    window = 1;
    LOG.debug("revision {} arrived early; resending {} transaction(s), window back to 1", head.revision,
        retry.size());
    Txn previous = null;
    for (Txn t : retry) {
      send(t, previous);
      previous = t;
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
    channel.shutdownNow();
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
