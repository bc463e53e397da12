package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AeadStreamsTest {

  private static final int CHUNK = 1024;
  private final EncryptionKey key = EncryptionKey.of(new byte[32]);

  private byte[] encrypt(byte[] plain, EncryptionKey k) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream enc = AeadStreams.encrypt(out, k, CHUNK)) {
      // odd write sizes exercise the chunk boundaries
      for (int i = 0; i < plain.length; i += 333) {
        enc.write(plain, i, Math.min(333, plain.length - i));
      }
    }
    return out.toByteArray();
  }

  private byte[] decrypt(byte[] sealed, EncryptionKey k) throws IOException {
    return AeadStreams.decrypt(new ByteArrayInputStream(sealed), k).readAllBytes();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17})
  void roundTripsAnySize(int size) throws IOException {
    byte[] plain = new byte[size];
    new Random(size).nextBytes(plain);
    byte[] sealed = encrypt(plain, key);
    assertArrayEquals(plain, decrypt(sealed, key));
    if (size > 64) {
      assertTrue(Arrays.equals(plain, Arrays.copyOfRange(sealed, 20, 20 + size)) == false, "ciphertext is not plaintext");
    }
  }

  @Test
  void detectsTamperingTruncationAndTheWrongKey() throws IOException {
    byte[] plain = new byte[3 * CHUNK + 5];
    new Random(1).nextBytes(plain);
    byte[] sealed = encrypt(plain, key);
    byte[] flipped = sealed.clone();
    flipped[flipped.length / 2] ^= 1;
    assertThrows(IOException.class, () -> decrypt(flipped, key));
    // cutting whole chunks off must fail too: the last chunk carries the "last" flag
    byte[] truncated = Arrays.copyOf(sealed, 20 + 2 * (CHUNK + 16));
    assertThrows(IOException.class, () -> decrypt(truncated, key));
    byte[] other = new byte[32];
    other[0] = 1;
    EncryptionKey wrong = EncryptionKey.of(other);
    assertNotEquals(key.id(), wrong.id());
    assertThrows(IOException.class, () -> decrypt(sealed, wrong));
    assertThrows(IOException.class, () -> decrypt(Arrays.copyOf(sealed, 10), key));
  }

  @Test
  void keyIdRevealsNothingAndToStringHidesTheKey() {
    byte[] raw = new byte[32];
    Arrays.fill(raw, (byte) 0x41);
    EncryptionKey k = EncryptionKey.of(raw);
    assertTrue(k.id().startsWith("sha256:"));
    assertTrue(!k.toString().contains("AAAA"));
  }
}
