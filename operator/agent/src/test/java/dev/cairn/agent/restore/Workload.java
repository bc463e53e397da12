package dev.cairn.agent.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A seeded random workload: puts of random sizes, deletes, multi-key transactions, keys under leases,
 * lease revocations (many deletes at one revision). Remembers the revisions of transactions so tests
 * can restore to one.
 */
final class Workload {

  final Random random;
  final Client client;
  final List<Long> txnRevisions = new ArrayList<>();
  final List<Long> revokeRevisions = new ArrayList<>();
  private final List<Long> leases = new ArrayList<>();

  Workload(Client client, long seed) {
    this.client = client;
    this.random = new Random(seed);
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private ByteSequence key() {
    return bs("k/" + random.nextInt(60));
  }

  private ByteSequence value() {
    byte[] b = new byte[1 + random.nextInt(random.nextInt(10) == 0 ? 20_000 : 200)];
    random.nextBytes(b);
    return ByteSequence.from(b);
  }

  void run(int ops) throws Exception {
    for (int i = 0; i < ops; i++) {
      int r = random.nextInt(100);
      if (r < 45) {
        client.getKVClient().put(key(), value()).get(10, TimeUnit.SECONDS);
      } else if (r < 60) {
        client.getKVClient().delete(key()).get(10, TimeUnit.SECONDS);
      } else if (r < 78) {
        Set<String> used = new HashSet<>();
        List<Op> opsList = new ArrayList<>();
        int n = 2 + random.nextInt(4);
        for (int j = 0; j < n; j++) {
          String k = "t/" + random.nextInt(40);
          if (!used.add(k)) {
            continue;
          }
          opsList.add(random.nextInt(4) == 0 ? Op.delete(bs(k), DeleteOption.DEFAULT)
              : Op.put(bs(k), value(), PutOption.DEFAULT));
        }
        // Make sure the transaction writes: a delete-only txn of missing keys has no revision.
        opsList.add(Op.put(bs("t/marker"), value(), PutOption.DEFAULT));
        TxnResponse tr = client.getKVClient().txn().Then(opsList.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS);
        txnRevisions.add(tr.getHeader().getRevision());
      } else if (r < 93) {
        if (leases.isEmpty() || random.nextInt(5) == 0) {
          leases.add(client.getLeaseClient().grant(600).get(10, TimeUnit.SECONDS).getID());
        }
        long lease = leases.get(random.nextInt(leases.size()));
        client.getKVClient().put(bs("l/" + random.nextInt(30)), value(), PutOption.builder().withLeaseId(lease).build())
            .get(10, TimeUnit.SECONDS);
      } else if (!leases.isEmpty()) {
        long lease = leases.remove(random.nextInt(leases.size()));
        client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
        revokeRevisions.add(client.getKVClient().get(bs("\0")).get(10, TimeUnit.SECONDS).getHeader().getRevision());
      }
    }
  }
}
