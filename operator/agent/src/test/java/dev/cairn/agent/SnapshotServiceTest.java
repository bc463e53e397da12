package dev.cairn.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The delta cut timing rules of {@link SnapshotService}. */
class SnapshotServiceTest {

  @Test
  void aDeltaIsCutOnePeriodAfterItsOldestEventWhenUploadsAreQuick() {
    assertEquals(Duration.ofSeconds(20), SnapshotService.cutAge(Duration.ofSeconds(20), 0));
  }

  @Test
  void slowUploadsMoveTheCutEarlierByTheirDuration() {
    assertEquals(Duration.ofMillis(3500), SnapshotService.cutAge(Duration.ofSeconds(5), 1500));
  }

  @Test
  void theCutMovesAtMostHalfAPeriodEarlier() {
    // A store that takes longer than the period would otherwise make the agent cut tiny deltas.
    assertEquals(Duration.ofMillis(2500), SnapshotService.cutAge(Duration.ofSeconds(5), 60_000));
  }

  @Test
  void theCutTimerLooksATwentiethOfThePeriodBetween50MillisecondsAndOneSecond() {
    assertEquals(Duration.ofMillis(250), SnapshotService.cutCheckInterval(Duration.ofSeconds(5)));
    assertEquals(Duration.ofSeconds(1), SnapshotService.cutCheckInterval(Duration.ofMinutes(5)));
    assertEquals(Duration.ofMillis(50), SnapshotService.cutCheckInterval(Duration.ofMillis(200)));
  }
}
