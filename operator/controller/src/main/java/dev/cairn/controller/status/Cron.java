package dev.cairn.controller.status;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A 5-field cron expression (minute hour day-of-month month day-of-week, UTC), the language the API
 * accepts: lists of {@code *}, {@code n}, {@code n-m}, each with an optional {@code /step}. Used to
 * tell when the last scheduled full snapshot was due.
 */
public final class Cron {

  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean domRestricted;
  private final boolean dowRestricted;

  private Cron(String[] f) {
    minutes = field(f[0], 0, 59);
    hours = field(f[1], 0, 23);
    daysOfMonth = field(f[2], 1, 31);
    months = field(f[3], 1, 12);
    daysOfWeek = field(f[4], 0, 7);
    if (daysOfWeek.get(7)) {
      daysOfWeek.set(0); // 7 and 0 are both Sunday
    }
    domRestricted = !f[2].startsWith("*");
    dowRestricted = !f[4].startsWith("*");
  }

  public static Cron parse(String expression) {
    String[] f = expression.trim().split(" +");
    if (f.length != 5) {
      throw new IllegalArgumentException("cron expression '" + expression + "' must have 5 fields");
    }
    return new Cron(f);
  }

  private static BitSet field(String text, int min, int max) {
    BitSet set = new BitSet(max + 1);
    for (String part : text.split(",")) {
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        step = Integer.parseInt(part.substring(slash + 1));
        range = part.substring(0, slash);
      }
      int lo;
      int hi;
      if (range.equals("*")) {
        lo = min;
        hi = max;
      } else if (range.contains("-")) {
        lo = Integer.parseInt(range.substring(0, range.indexOf('-')));
        hi = Integer.parseInt(range.substring(range.indexOf('-') + 1));
      } else {
        lo = Integer.parseInt(range);
        hi = slash >= 0 ? max : lo;
      }
      if (lo < min || hi > max || lo > hi || step < 1) {
        throw new IllegalArgumentException("cron field '" + text + "' is out of range " + min + "-" + max);
      }
      for (int v = lo; v <= hi; v += step) {
        set.set(v);
      }
    }
    return set;
  }

  private boolean dayMatches(LocalDateTime t) {
    boolean dom = daysOfMonth.get(t.getDayOfMonth());
    boolean dow = daysOfWeek.get(t.getDayOfWeek().getValue() % 7);
    // Classic cron: when both day fields are restricted, either one matching is enough.
    if (domRestricted && dowRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  /** The latest scheduled time at or before {@code t}, or null when none in the previous 4 years. */
  public Instant previousFire(Instant t) {
    LocalDateTime c = LocalDateTime.ofInstant(t, ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
    LocalDateTime limit = c.minusYears(4);
    while (c.isAfter(limit)) {
      if (!months.get(c.getMonthValue())) {
        c = c.withDayOfMonth(1).withHour(0).withMinute(0).minusMinutes(1);
        continue;
      }
      if (!dayMatches(c)) {
        c = c.withHour(0).withMinute(0).minusMinutes(1);
        continue;
      }
      if (!hours.get(c.getHour())) {
        c = c.withMinute(0).minusMinutes(1);
        continue;
      }
      if (!minutes.get(c.getMinute())) {
        c = c.minusMinutes(1);
        continue;
      }
      return c.toInstant(ZoneOffset.UTC);
    }
    return null;
  }
}
