package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cairn.testkit.TestDirs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PodAddressesTest {

  @Test
  void addressesAreDistinctStableAndKeptInTheFile() {
    Path file = TestDirs.create(PodAddressesTest.class, "addr").resolve("pod-addresses.properties");
    PodAddresses a = new PodAddresses(file, 7);
    String first = a.addressOf("ns", "etcd-0");
    String second = a.addressOf("ns", "etcd-1");
    assertEquals("127.7.0.1", first);
    assertEquals("127.7.0.2", second);
    assertEquals(first, a.addressOf("ns", "etcd-0"));
    assertNotEquals(first, a.addressOf("other", "etcd-0"), "namespace is part of the key");

    PodAddresses reloaded = new PodAddresses(file, 7);
    assertEquals(second, reloaded.addressOf("ns", "etcd-1"), "a restart keeps the addresses");
    assertEquals("127.7.0.4", reloaded.addressOf("ns", "etcd-2"));
  }

  @Test
  void refusesASubnetOutsideLoopback() {
    Path file = TestDirs.create(PodAddressesTest.class, "addr").resolve("x.properties");
    assertThrows(IllegalArgumentException.class, () -> new PodAddresses(file, 0));
    assertThrows(IllegalArgumentException.class, () -> new PodAddresses(file, 256));
  }
}
