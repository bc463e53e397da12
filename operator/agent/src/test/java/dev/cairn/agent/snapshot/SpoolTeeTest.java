package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.TestDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The spool tee: a concurrent tail reads exactly what was written, and fails when the stream is abandoned. */
class SpoolTeeTest {

  @Test
  void aTailFollowsTheSpoolWhileItGrowsAndEndsWithIt() throws Exception {
    Path dir = TestDirs.create(SpoolTeeTest.class, "follow");
    Path spool = Files.createFile(dir.resolve("spool"));
    byte[] data = new byte[3 * 1024 * 1024 + 333];
    new Random(3).nextBytes(data);
    SpoolTee tee = new SpoolTee(spool);
    CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
      try (InputStream in = tee.tail()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[70_000];
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
        }
        return out.toByteArray();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    Random rnd = new Random(5);
    for (int off = 0; off < data.length; ) {
      int n = Math.min(data.length - off, rnd.nextInt(40_000));
      tee.write(data, off, n);
      off += n;
      if (rnd.nextInt(20) == 0) {
        Thread.sleep(2); // let the tail catch up and wait for more
      }
    }
    tee.end();
    tee.close();
    assertArrayEquals(data, read.get(30, TimeUnit.SECONDS));
    assertArrayEquals(data, Files.readAllBytes(spool));
    assertEquals(data.length, tee.bytesWritten());
  }

  @Test
  void anAbandonedStreamFailsTheTail() throws Exception {
    Path dir = TestDirs.create(SpoolTeeTest.class, "abandon");
    Path spool = Files.createFile(dir.resolve("spool"));
    SpoolTee tee = new SpoolTee(spool);
    tee.write(new byte[300_000], 0, 300_000);
    InputStream in = tee.tail();
    assertEquals(100, in.readNBytes(100).length);
    tee.fail(new IOException("etcd went away"));
    IOException e = assertThrows(IOException.class, () -> in.readAllBytes());
    assertTrue(e.getMessage().contains("etcd went away"), e.getMessage());
    in.close();
    tee.close();
  }
}
