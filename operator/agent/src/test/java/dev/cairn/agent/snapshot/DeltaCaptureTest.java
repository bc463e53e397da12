package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cutting buffered events into segment files when the scratch disk fails (no etcd: events fed directly). */
class DeltaCaptureTest {

  @TempDir Path dir;

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-11-21T10:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static final DeltaCapture.Listener QUIET = new DeltaCapture.Listener() {
    @Override
    public void compacted(long compactRevision) {}

    @Override
    public void watchError(Throwable error) {}

    @Override
    public void watchHealthy() {}
  };

  private static DeltaEvent put(long rev) {
    return new DeltaEvent(DeltaEvent.Type.PUT, ("k" + rev).getBytes(StandardCharsets.UTF_8),
        "v".getBytes(StandardCharsets.UTF_8), rev, rev, 1, 0);
  }

  private static long files(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.count();
    }
  }

  @Test
  void aFailedCutLeavesNoFileKeepsTheEventsAndHoldsAutomaticCutsBack() throws Exception {
    ManualClock clock = new ManualClock();
    List<DeltaSegment> cut = new ArrayList<>();
    Path scratch = dir.resolve("scratch");
    try (DeltaCapture c = new DeltaCapture(null, scratch, 1 << 20, cut::add, QUIET, clock, Duration.ofSeconds(1))) {
      AtomicInteger writes = new AtomicInteger();
      c.segmentWriter((out, start, end, count, records, length) -> {
        writes.incrementAndGet();
        out.write(records, 0, Math.min(length, 3));
        out.flush();
        throw new IOException("injected: no space left on device");
      });
      c.hold(put(5));
      c.hold(put(6));
      clock.now = clock.now.plusSeconds(10);
      Duration period = Duration.ofSeconds(10);

      assertTrue(c.cutIfDue(period).isEmpty());
      assertEquals(1, writes.get());
      assertEquals(0, files(scratch), "the partial segment file is deleted");
      // The next timer ticks inside the hold-back (min(period, 5 s)) do not try again.
      clock.now = clock.now.plusMillis(50);
      assertTrue(c.cutIfDue(period).isEmpty());
      clock.now = clock.now.plusMillis(4900);
      assertTrue(c.cutIfDue(period).isEmpty());
      assertEquals(1, writes.get(), "no retry before the hold-back ends");

      // After it, the disk works again: one segment with both events, nothing lost.
      clock.now = clock.now.plusMillis(100);
      c.segmentWriter(DeltaFormat::write);
      DeltaSegment seg = c.cutIfDue(period).orElseThrow();
      assertEquals(List.of(seg), cut);
      assertEquals(6, seg.endRevision());
      assertEquals(2, seg.eventCount());
      assertEquals(1, files(scratch));
      assertEquals(0, c.bufferedBytes());
    }
  }

  @Test
  void theHoldBackIsThePeriodWhenShorterAndAnExplicitCutAlwaysTries() throws Exception {
    ManualClock clock = new ManualClock();
    Path scratch = dir.resolve("scratch");
    try (DeltaCapture c = new DeltaCapture(null, scratch, 1 << 20, s -> {}, QUIET, clock, Duration.ofSeconds(1))) {
      AtomicInteger writes = new AtomicInteger();
      c.segmentWriter((out, start, end, count, records, length) -> {
        writes.incrementAndGet();
        throw new IOException("injected");
      });
      c.hold(put(9));
      Duration period = Duration.ofSeconds(1);
      clock.now = clock.now.plusSeconds(2);
      assertTrue(c.cutIfDue(period).isEmpty());
      clock.now = clock.now.plusMillis(900);
      assertTrue(c.cutIfDue(period).isEmpty());
      assertEquals(1, writes.get(), "held back for the 1 s period");
      assertTrue(c.cut().isEmpty());
      assertEquals(2, writes.get(), "an explicit cut is not held back");
      clock.now = clock.now.plusMillis(1000);
      assertTrue(c.cutIfDue(period).isEmpty());
      assertEquals(3, writes.get());
      assertEquals(0, files(scratch));
    }
  }
}
