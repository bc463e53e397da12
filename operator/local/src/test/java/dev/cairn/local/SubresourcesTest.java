package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubresourcesTest {

  private static final List<String> LOG = List.of(
      "----- 2024-05-01T12:00:00Z cairn local: start 1 of container etcd of pod ns/etcd-0: etcd",
      "first run",
      "crashed",
      "----- 2024-05-01T12:00:05Z cairn local: start 2 of container etcd of pod ns/etcd-0: etcd",
      "second run");

  @Test
  void logsShowTheLastStartOrThePreviousOne() {
    assertEquals(List.of("second run"), Subresources.run(LOG, false));
    assertEquals(List.of("first run", "crashed"), Subresources.run(LOG, true));
    assertEquals(List.of(), Subresources.run(LOG.subList(0, 3), true));
    assertEquals(List.of("no header"), Subresources.run(List.of("no header"), false));
  }
}
