package dev.cairn.datadir.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class Crc32cChainTest {

  /** Continuing from CRC(a) over b must equal the CRC of a followed by b, as Go's crc32.Update does. */
  @Test
  void aSeededChainEqualsTheCrcOfTheConcatenation() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 500; trial++) {
      byte[] a = new byte[rnd.nextInt(300)];
      byte[] b = new byte[1 + rnd.nextInt(300)];
      rnd.nextBytes(a);
      rnd.nextBytes(b);
      CRC32C whole = new CRC32C();
      whole.update(a);
      int seed = (int) whole.getValue();
      whole.update(b);

      Crc32cChain chain = new Crc32cChain();
      chain.reset(seed);
      assertEquals(seed, chain.value());
      chain.update(ByteBuffer.wrap(b), 0, b.length);
      assertEquals((int) whole.getValue(), chain.value(), "trial " + trial);
    }
  }

  @Test
  void prefixesExistForEdgeSeeds() {
    for (int seed : new int[] {1, -1, 0x80000000, 0x7fffffff, 0xdeadbeef}) {
      assertEquals(seed, Crc32cChain.crc(Crc32cChain.prefixFor(seed)));
    }
  }
}
