package dev.cairn.e2e;

/**
 * The pods' subnet (127.N.x.y) for this run: away from local mode's default (1) and from the
 * subnets of operator/local's tests (100-249), and different for two runs at once on one machine
 * unless their process ids agree modulo 40.
 */
final class E2eSubnet {

  static final int SUBNET = 50 + (int) (ProcessHandle.current().pid() % 40);

  private E2eSubnet() {}
}
