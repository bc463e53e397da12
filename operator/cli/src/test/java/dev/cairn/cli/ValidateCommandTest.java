package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and output of {@code cairn validate} on cases that need no etcd process. */
class ValidateCommandTest {

  @TempDir Path tmp;

  /** Exit code, stdout, stderr of one run. */
  record Run(int code, String out, String err) {}

  static synchronized Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void anAbsentDataDirIsAFreshMember() {
    Run r = run("validate", "--data-dir", tmp.resolve("nothing").toString());
    assertEquals(3, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("outcome: Empty"), r.out());
  }

  @Test
  void aPartialMemberDirIsCorruptAndJsonSaysWhy() throws Exception {
    Files.createDirectories(tmp.resolve("d/member/wal"));
    Run r = run("validate", "--data-dir", tmp.resolve("d").toString(), "--mode", "full", "--output", "json");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("\"kind\": \"Corrupt\""), r.out());
    assertTrue(r.out().contains("member/snap is missing"), r.out());
    assertTrue(r.out().contains("\"exitCode\": 1"), r.out());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, run("validate").code(), "neither --data-dir nor --snapshot");
    assertEquals(2, run("validate", "--data-dir", "a", "--snapshot", "b").code(), "both");
    assertEquals(2, run("validate", "--data-dir", tmp.toString(), "--mode", "quick").code());
    assertEquals(2, run("validate", "--data-dir", tmp.toString(), "--output", "xml").code());
    assertEquals(2, run("validate", "--data-dir", tmp.toString(), "--store-revision", "x").code());
    assertEquals(2, run("validate", "--data-dir", tmp.toString(), "--store-revision", "-1").code());
  }

  @Test
  void aSnapshotPathThatIsNotAFileIsAnIoError() {
    Run r = run("validate", "--snapshot", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("is not a file"), r.err());
  }

  @Test
  void aWrongVolumeExitsOne() throws Exception {
    Path d = tmp.resolve("vol");
    assertEquals(3, run("validate", "--data-dir", d.toString(), "--expect-member", "m-0", "--claim").code());
    Run r = run("validate", "--data-dir", d.toString(), "--expect-member", "m-1");
    assertEquals(1, r.code(), r.out());
    assertTrue(r.out().contains("WrongVolume"), r.out());
  }
}
