package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class MainTest {

  /** Runs the command line with stdout and stderr captured. */
  static final class Run {
    final int code;
    final String out;
    final String err;

    Run(int code, String out, String err) {
      this.code = code;
      this.out = out;
      this.err = err;
    }
  }

  static synchronized Run run(String... args) {
    return capture(() -> Main.execute(args));
  }

  static synchronized Run capture(Supplier<Integer> body) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = body.get();
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void versionPrintsTheVersion() {
    Run r = run("version");
    assertEquals(0, r.code);
    assertTrue(r.out.startsWith("cairn "), r.out);
  }

  @Test
  void crdsPrintsEveryGeneratedCrdAsOneStream() {
    Run r = run("crds");
    assertEquals(0, r.code, r.err);
    for (String plural : new String[] {"etcds.cairn.dev", "etcdsnapshots.cairn.dev", "etcdopstasks.cairn.dev"}) {
      assertTrue(r.out.contains("name: \"" + plural + "\""), "missing CRD " + plural);
    }
    assertEquals(3, r.out.split("(?m)^---$").length - 1, "three YAML documents");
  }

  @Test
  void bareCommandIsAUsageErrorThatListsSubcommands() {
    Run r = run();
    assertEquals(2, r.code);
    assertTrue(r.err.contains("Missing subcommand"), r.err);
    assertTrue(r.err.contains("version"), r.err);
  }

  @Test
  void unknownOptionIsAUsageError() {
    Run r = run("--no-such-flag");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("--no-such-flag"), r.err);
  }
}
