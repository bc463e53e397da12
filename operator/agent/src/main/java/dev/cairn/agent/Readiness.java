package dev.cairn.agent;

import dev.cairn.agent.etcd.EtcdNode;
import dev.cairn.agent.etcd.EtcdUnavailableException;
import dev.cairn.agent.etcd.MemberStatus;
import dev.cairn.agent.init.Initializer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What {@code GET /readyz} (the pods' readiness probe) answers: ready when initialisation (if enabled)
 * succeeded and the local etcd member answers, knows a leader and votes. A learner still syncing is not
 * ready. Backup and store problems are deliberately left out (they are in {@code /healthz}): a member
 * that serves clients well must not leave the Service because S3 is down.
 */
public final class Readiness {

  /** The outcome; {@code reason} says why not ready (or what is ready). */
  public record Result(boolean ready, String reason) {}

  /** The local etcd as readiness needs it. */
  public interface LocalEtcd {

    /**
     * How long the connection check waits. etcd runs in the same pod, so a closed port is refused at
     * once; the limit only bounds an unexpected network path (then the status call decides).
     */
    Duration CONNECT_CHECK = Duration.ofMillis(500);

    MemberStatus status() throws EtcdUnavailableException;

    boolean isLearner(long memberId) throws EtcdUnavailableException;

    /**
     * Why etcd is certainly not running (a quick local check), or null when it may be and
     * {@link #status()} must be asked. Lets callers answer at once instead of after the status
     * call's timeout.
     */
    default String notRunning() {
      return null;
    }

    static LocalEtcd of(EtcdNode n) {
      return new LocalEtcd() {
        @Override
        public String notRunning() {
          return n.notListening(CONNECT_CHECK);
        }

        @Override
        public MemberStatus status() throws EtcdUnavailableException {
          return n.status();
        }

        @Override
        public boolean isLearner(long memberId) throws EtcdUnavailableException {
          return n.isLearner(memberId);
        }
      };
    }
  }

  private final Supplier<Initializer.Status> init;
  private final LocalEtcd etcd;

  /** @param init the initialisation status, null when initialisation is not enabled on this agent */
  public Readiness(Supplier<Initializer.Status> init, LocalEtcd etcd) {
    this.init = init;
    this.etcd = etcd;
  }

  public Result check() {
    if (init != null) {
      Initializer.Status s = init.get();
      if (s.state() != Initializer.State.Successful) {
        return new Result(false, "initialisation is " + s.state() + ": " + s.reason());
      }
    }
    String down = etcd.notRunning();
    if (down != null) {
      return new Result(false, "the local etcd does not answer: " + down);
    }
    MemberStatus st;
    try {
      st = etcd.status();
    } catch (EtcdUnavailableException e) {
      return new Result(false, "the local etcd does not answer: " + e.getMessage());
    }
    if (st.leaderId() == 0) {
      return new Result(false, "the local etcd member " + st.memberIdHex() + " knows no leader (no quorum, or an"
          + " election is running)");
    }
    try {
      if (etcd.isLearner(st.memberId())) {
        return new Result(false, "the local etcd member " + st.memberIdHex() + " is a learner still syncing; it is"
            + " ready once promoted to a voting member");
      }
    } catch (EtcdUnavailableException e) {
      return new Result(false, "cannot list the members of the local etcd: " + e.getMessage());
    }
    return new Result(true, "etcd member " + st.memberIdHex() + " votes in cluster " + st.clusterIdHex()
        + " (leader " + Long.toHexString(st.leaderId()) + ", revision " + st.revision() + ")");
  }
}
