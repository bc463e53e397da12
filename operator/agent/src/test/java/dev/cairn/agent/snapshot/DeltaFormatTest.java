package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeltaFormatTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] encode(long start, long end, List<DeltaEvent> events) throws IOException {
    ByteArrayOutputStream recs = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(recs);
    for (DeltaEvent e : events) {
      DeltaFormat.encodeEvent(out, e);
    }
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    DeltaFormat.write(file, start, end, events.size(), recs.toByteArray(), recs.size());
    return file.toByteArray();
  }

  private final List<DeltaEvent> events = List.of(
      new DeltaEvent(DeltaEvent.Type.PUT, b("a"), b("1"), 5, 5, 1, 0),
      new DeltaEvent(DeltaEvent.Type.PUT, b("b"), b("2"), 6, 6, 1, 0x1234),
      new DeltaEvent(DeltaEvent.Type.DELETE, b("a"), new byte[0], 0, 6, 0, 0), // same txn as b
      new DeltaEvent(DeltaEvent.Type.PUT, b("b"), new byte[70_000], 6, 9, 2, 0));

  @Test
  void roundTripsEveryField() throws IOException {
    byte[] file = encode(5, 9, events);
    List<DeltaEvent> back = DeltaFormat.readAll(new ByteArrayInputStream(file));
    assertEquals(events, back);
  }

  @Test
  void rejectsCorruptionTruncationAndOutOfRangeRevisions() throws IOException {
    byte[] file = encode(5, 9, events);
    byte[] flipped = file.clone();
    flipped[40] ^= 1;
    assertThrows(IOException.class, () -> DeltaFormat.readAll(new ByteArrayInputStream(flipped)));
    byte[] cut = java.util.Arrays.copyOf(file, file.length - 1);
    assertThrows(IOException.class, () -> DeltaFormat.readAll(new ByteArrayInputStream(cut)));
    byte[] outside = encode(7, 9, events);
    assertThrows(IOException.class, () -> DeltaFormat.readAll(new ByteArrayInputStream(outside)));
  }
}
