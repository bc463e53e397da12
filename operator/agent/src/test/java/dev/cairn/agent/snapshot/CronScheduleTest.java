package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronScheduleTest {

  private static Instant t(String s) {
    return Instant.parse(s);
  }

  @Test
  void nextAndPrevious() {
    CronSchedule hourly = CronSchedule.parse("0 */1 * * *");
    assertEquals(t("2025-01-01T11:00:00Z"), hourly.next(t("2025-01-01T10:00:00Z")));
    assertEquals(t("2025-01-01T11:00:00Z"), hourly.next(t("2025-01-01T10:59:59Z")));
    assertEquals(t("2025-01-01T10:00:00Z"), hourly.previous(t("2025-01-01T10:59:59Z")));
    CronSchedule every5 = CronSchedule.parse("*/5 * * * *");
    assertEquals(t("2025-01-01T10:05:00Z"), every5.next(t("2025-01-01T10:01:00Z")));
    // 2025-01-05 is a Sunday; both 0 and 7 mean Sunday
    CronSchedule sunday = CronSchedule.parse("30 2 * * 7");
    assertEquals(t("2025-01-05T02:30:00Z"), sunday.next(t("2025-01-01T00:00:00Z")));
    assertEquals(t("2024-12-29T02:30:00Z"), sunday.previous(t("2025-01-01T00:00:00Z")));
    CronSchedule list = CronSchedule.parse("0 0,12 1-3 1 *");
    assertEquals(t("2025-01-01T12:00:00Z"), list.next(t("2025-01-01T00:00:00Z")));
    assertEquals(t("2026-01-01T00:00:00Z"), list.next(t("2025-01-03T12:00:00Z")));
  }

  @Test
  void badExpressionsSayWhichField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("61 * * * *"));
    assertTrue(e.getMessage().contains("minute"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * * *"));
    assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("*/0 * * * *"));
    assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("a * * * *"));
  }
}
