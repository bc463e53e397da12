package dev.cairn.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrerequisitesTest {

  @Test
  void missingProgramFailsWithInstallHint() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Prerequisites.find("CAIRN_TEST_UNSET_VARIABLE", "cairn-no-such-program"));
    assertTrue(e.getMessage().contains("cairn-no-such-program was not found on PATH"), e.getMessage());
    assertTrue(e.getMessage().contains("apt-get install -y etcd-server etcd-client"), e.getMessage());
    assertTrue(e.getMessage().contains("CAIRN_TEST_UNSET_VARIABLE"), e.getMessage());
  }

  @Test
  void programOnPathIsFound() {
    // sh is on every machine this project runs on.
    assertEquals("sh", Prerequisites.find("CAIRN_TEST_UNSET_VARIABLE", "sh").getFileName().toString());
  }

  @Test
  void portsAreNeverHandedOutTwice() {
    int a = Ports.free();
    int b = Ports.free();
    assertTrue(a > 0 && b > 0 && a != b, a + " " + b);
  }
}
