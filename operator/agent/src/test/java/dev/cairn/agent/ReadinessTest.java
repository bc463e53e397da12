package dev.cairn.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.etcd.EtcdUnavailableException;
import dev.cairn.agent.etcd.MemberStatus;
import dev.cairn.agent.init.Initializer;
import org.junit.jupiter.api.Test;

/** {@code /readyz}: initialisation, then the local member answering, with a leader, as a voter. */
class ReadinessTest {

  private static final MemberStatus VOTER = new MemberStatus(0xa, 0xc, 0xb, 42, "3.5.17", 1 << 20);
  private static final MemberStatus NO_LEADER = new MemberStatus(0xa, 0xc, 0, 42, "3.5.17", 1 << 20);

  private static Readiness.LocalEtcd etcd(MemberStatus s, boolean learner) {
    return new Readiness.LocalEtcd() {
      @Override
      public MemberStatus status() throws EtcdUnavailableException {
        if (s == null) {
          throw new EtcdUnavailableException("etcd at http://127.0.0.1:2379 does not answer", null);
        }
        return s;
      }

      @Override
      public boolean isLearner(long memberId) {
        return learner;
      }
    };
  }

  private static Initializer.Status init(Initializer.State st) {
    return new Initializer.Status(st, "because", "full", "Valid", "Start", "");
  }

  @Test
  void readyOnlyWhenInitialisedAndTheLocalMemberVotesUnderALeader() {
    assertTrue(new Readiness(() -> init(Initializer.State.Successful), etcd(VOTER, false)).check().ready());
    assertTrue(new Readiness(null, etcd(VOTER, false)).check().ready(), "initialisation not enabled: etcd decides");

    Readiness.Result progress = new Readiness(() -> init(Initializer.State.Progress), etcd(VOTER, false)).check();
    assertFalse(progress.ready());
    assertTrue(progress.reason().contains("initialisation is Progress"), progress.reason());

    Readiness.Result down = new Readiness(() -> init(Initializer.State.Successful), etcd(null, false)).check();
    assertFalse(down.ready());
    assertTrue(down.reason().contains("does not answer"), down.reason());

    Readiness.Result noLeader = new Readiness(null, etcd(NO_LEADER, false)).check();
    assertFalse(noLeader.ready());
    assertTrue(noLeader.reason().contains("no leader"), noLeader.reason());

    Readiness.Result learner = new Readiness(null, etcd(VOTER, true)).check();
    assertFalse(learner.ready());
    assertTrue(learner.reason().contains("learner"), learner.reason());
  }
}
