package dev.cairn.datadir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ProtoReaderTest {

  private static ByteBuffer bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return ByteBuffer.wrap(out);
  }

  @Test
  void readsVarintsAndLengthDelimitedFields() throws Exception {
    // field 1 varint 300, field 3 bytes "ab"
    ByteBuffer b = bytes(0x08, 0xac, 0x02, 0x1a, 0x02, 'a', 'b');
    ProtoReader r = new ProtoReader(b, 0, b.capacity());
    assertTrue(r.next());
    assertEquals(1, r.field());
    assertEquals(300, r.varint());
    assertTrue(r.next());
    assertEquals(3, r.field());
    assertEquals(5, r.bytesStart());
    assertEquals(7, r.bytesEnd());
    assertFalse(r.next());
  }

  @Test
  void damagedInputIsMalformedNeverOutOfBounds() {
    assertThrows(ProtoReader.Malformed.class, () -> drain(bytes(0x1a, 0x05, 'a')));        // length past the end
    assertThrows(ProtoReader.Malformed.class, () -> drain(bytes(0x08, 0xff, 0xff)));       // varint cut short
    assertThrows(ProtoReader.Malformed.class, () -> drain(bytes(0x00)));                   // field 0
    assertThrows(ProtoReader.Malformed.class, () -> drain(bytes(0x0b)));                   // wire type 3 (groups)
    assertThrows(ProtoReader.Malformed.class, () -> drain(bytes(0x09, 1, 2, 3)));          // fixed64 cut short
  }

  private static void drain(ByteBuffer b) throws ProtoReader.Malformed {
    ProtoReader r = new ProtoReader(b, 0, b.capacity());
    while (r.next()) {
      // consume
    }
  }
}
