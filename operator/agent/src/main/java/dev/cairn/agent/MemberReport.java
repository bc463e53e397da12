package dev.cairn.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.agent.etcd.EtcdUnavailableException;
import dev.cairn.agent.etcd.MemberStatus;
import dev.cairn.datadir.bbolt.RevisionReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code GET /member/status} answers, for the operator's tasks (RecoverQuorum's source selection,
 * StartMember's revision check): {@code {"memberID":"<hex>","clusterID":"<hex>","revision":N,
 * "etcdRunning":bool,"dataDirPresent":bool}}. It must answer without quorum: the revision comes from
 * the local etcd's Maintenance.Status when it runs, else from the db file on disk (IDs then null), and
 * is -1 when there is no data. {@code etcdProblem} says why etcd is taken as not running.
 *
 * <p>It answers well under a second when etcd is stopped: a refused connection to etcd's client port
 * skips the status call (see {@link Readiness.LocalEtcd#notRunning()}).
 */
public final class MemberReport {

  private static final ObjectMapper JSON = new ObjectMapper();

  private MemberReport() {}

  /**
   * @param dataDir etcd's data dir, null when this agent does not know it (no initialisation)
   */
  public static ObjectNode of(Readiness.LocalEtcd etcd, Path dataDir) {
    ObjectNode n = JSON.createObjectNode();
    Path db = dataDir == null ? null : dataDir.resolve("member").resolve("snap").resolve("db");
    boolean present = db != null && Files.isRegularFile(db);
    // A stopped etcd is known at once from its closed port. Asking it anyway would hold the answer for
    // the status call's whole timeout, as long as the operator waits for it, and RecoverQuorum would
    // then count this member (maybe the one with the freshest data) as silent.
    String down = etcd.notRunning();
    if (down == null) {
      try {
        MemberStatus s = etcd.status();
        n.put("memberID", s.memberIdHex());
        n.put("clusterID", s.clusterIdHex());
        n.put("revision", s.revision());
        n.put("etcdRunning", true);
        n.put("dataDirPresent", present || dataDir == null);
        return n;
      } catch (EtcdUnavailableException e) {
        down = e.getMessage();
      }
    }
    n.putNull("memberID");
    n.putNull("clusterID");
    n.put("etcdRunning", false);
    n.put("etcdProblem", down);
    n.put("dataDirPresent", present);
    long revision = -1;
    if (present) {
      try {
        revision = RevisionReader.read(db).revision();
      } catch (IOException unreadable) {
        n.put("problem", "the db " + db + " is unreadable: " + unreadable.getMessage());
      }
    }
    n.put("revision", revision);
    return n;
  }
}
