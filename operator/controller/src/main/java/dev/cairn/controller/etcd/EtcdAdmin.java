package dev.cairn.controller.etcd;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The operator's few direct calls to etcd: membership (scale-in removes a member before its pod goes)
 * and leadership (a rolling update restarts the leader last, after handing leadership over). Behind an
 * interface so reconciler tests use a fake; {@link JetcdEtcdAdmin} is the real one.
 */
public interface EtcdAdmin {

  /**
   * How to reach one cluster: its client endpoint per member (pod name to URL) and, with client TLS, the
   * material to connect with.
   */
  record Target(String namespace, String cluster, Map<String, URI> endpoints, ClientTls tls) {
    public Target {
      endpoints = Map.copyOf(endpoints);
    }

    @Override
    public String toString() {
      return namespace + "/" + cluster + " " + endpoints.values();
    }
  }

  /** A member as etcd lists it: ID in hex, name (the pod name; empty until a learner started), learner flag. */
  record Member(String id, String name, boolean learner) {}

  List<Member> members(Target target) throws EtcdAdminException;

  /** ID (hex) of the current leader, as the first member that answers sees it. */
  String leaderId(Target target) throws EtcdAdminException;

  /** Removes the member with this ID (hex) from the cluster. */
  void removeMember(Target target, String memberId) throws EtcdAdminException;

  /** Asks the leader (found through {@code leaderName}'s endpoint) to hand leadership to {@code toMemberId}. */
  void moveLeader(Target target, String leaderName, String toMemberId) throws EtcdAdminException;
}
