package dev.cairn.local;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pod subnets for tests (127.<n>.x.y): away from local mode's default (1), and different per test
 * JVM and per runner, so a test run never binds the addresses of a running local cluster or of
 * another test.
 */
final class TestSubnets {

  private static final AtomicInteger NEXT = new AtomicInteger((int) (ProcessHandle.current().pid() % 100));

  private TestSubnets() {}

  static int next() {
    return 100 + Math.floorMod(NEXT.getAndIncrement(), 150);
  }
}
