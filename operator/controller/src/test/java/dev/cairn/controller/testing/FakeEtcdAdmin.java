package dev.cairn.controller.testing;

import dev.cairn.controller.etcd.EtcdAdmin;
import dev.cairn.controller.etcd.EtcdAdminException;
import dev.cairn.controller.model.Names;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * etcd as the fake cluster plays it: members are the StatefulSet's pods not yet removed; the leader is
 * {@link FakeCluster#leader}. Records every call, in order.
 */
public final class FakeEtcdAdmin implements EtcdAdmin {

  private final FakeCluster cluster;
  public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  public volatile boolean failing;

  public FakeEtcdAdmin(FakeCluster cluster) {
    this.cluster = cluster;
  }

  private void check(String call) throws EtcdAdminException {
    calls.add(call);
    if (failing) {
      throw new EtcdAdminException("fake etcd refuses " + call);
    }
  }

  @Override
  public List<Member> members(Target target) throws EtcdAdminException {
    check("members " + target.cluster());
    List<Member> out = new ArrayList<>();
    for (String pod : target.endpoints().keySet()) {
      if (!cluster.removed.contains(pod)) {
        out.add(new Member(FakeCluster.memberId(pod), pod, false));
      }
    }
    return out;
  }

  @Override
  public String leaderId(Target target) throws EtcdAdminException {
    check("leader " + target.cluster());
    return FakeCluster.memberId(cluster.leader.getOrDefault(target.cluster(), Names.pod(target.cluster(), 0)));
  }

  @Override
  public void removeMember(Target target, String memberId) throws EtcdAdminException {
    check("remove " + memberId);
    for (String pod : target.endpoints().keySet()) {
      if (FakeCluster.memberId(pod).equals(memberId)) {
        cluster.removed.add(pod);
        calls.add("removed " + pod);
      }
    }
  }

  @Override
  public void moveLeader(Target target, String leaderName, String toMemberId) throws EtcdAdminException {
    check("move-leader " + leaderName + " -> " + toMemberId);
    for (String pod : target.endpoints().keySet()) {
      if (FakeCluster.memberId(pod).equals(toMemberId)) {
        cluster.leader.put(target.cluster(), pod);
        calls.add("leader " + pod);
      }
    }
  }
}
