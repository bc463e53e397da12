package dev.cairn.agent.snapshot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A standard 5-field cron expression (minute hour day-of-month month day-of-week) evaluated in UTC:
 * numbers, {@code *}, ranges {@code a-b}, steps {@code /n} and lists. Day-of-week is 0-7 (0 and 7 are
 * Sunday). As in cron, when both day fields are restricted a day matching either one fires.
 */
public final class CronSchedule {

  private static final int SEARCH_DAYS = 366 * 5;

  private final String expression;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet days;
  private final BitSet months;
  private final BitSet weekdays;
  private final boolean dayRestricted;
  private final boolean weekdayRestricted;

  private CronSchedule(String expression, String[] f) {
    this.expression = expression;
    minutes = field(f[0], 0, 59, "minute", expression);
    hours = field(f[1], 0, 23, "hour", expression);
    days = field(f[2], 1, 31, "day of month", expression);
    months = field(f[3], 1, 12, "month", expression);
    BitSet wd = field(f[4], 0, 7, "day of week", expression);
    if (wd.get(7)) {
      wd.set(0);
    }
    weekdays = wd;
    dayRestricted = !f[2].equals("*");
    weekdayRestricted = !f[4].equals("*");
  }

  /** Parses an expression; a bad one throws with the field and the reason. */
  public static CronSchedule parse(String expression) {
    if (expression == null) {
      throw new IllegalArgumentException("the cron expression is missing");
    }
    String[] f = expression.trim().split("\\s+");
    if (f.length != 5) {
      throw new IllegalArgumentException(
          "cron expression '" + expression + "' has " + f.length + " fields; use 5: minute hour day-of-month month"
              + " day-of-week, e.g. \"0 */1 * * *\"");
    }
    return new CronSchedule(expression, f);
  }

  private static BitSet field(String spec, int min, int max, String name, String expr) {
    BitSet set = new BitSet(max + 1);
    for (String part : spec.split(",")) {
      try {
        int step = 1;
        String range = part;
        int slash = part.indexOf('/');
        if (slash >= 0) {
          step = Integer.parseInt(part.substring(slash + 1));
          range = part.substring(0, slash);
          if (step < 1) {
            throw new IllegalArgumentException("step must be positive");
          }
        }
        int lo;
        int hi;
        if (range.equals("*")) {
          lo = min;
          hi = max;
        } else if (range.contains("-")) {
          String[] ab = range.split("-", 2);
          lo = Integer.parseInt(ab[0]);
          hi = Integer.parseInt(ab[1]);
        } else {
          lo = Integer.parseInt(range);
          hi = slash >= 0 ? max : lo;
        }
        if (lo < min || hi > max || lo > hi) {
          throw new IllegalArgumentException("out of range " + min + "-" + max);
        }
        for (int v = lo; v <= hi; v += step) {
          set.set(v);
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "cron expression '" + expr + "': " + name + " field '" + spec + "' is invalid (" + e.getMessage() + ")", e);
      }
    }
    return set;
  }

  private boolean dayMatches(ZonedDateTime t) {
    if (!months.get(t.getMonthValue())) {
      return false;
    }
    boolean dom = days.get(t.getDayOfMonth());
    boolean dow = weekdays.get(t.getDayOfWeek().getValue() % 7);
    if (dayRestricted && weekdayRestricted) {
      return dom || dow;
    }
    return (!dayRestricted || dom) && (!weekdayRestricted || dow);
  }

  private boolean timeMatches(ZonedDateTime t) {
    return hours.get(t.getHour()) && minutes.get(t.getMinute());
  }

  /** The first fire time strictly after {@code after}. */
  public Instant next(Instant after) {
    ZonedDateTime t = after.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime limit = t.plusDays(SEARCH_DAYS);
    while (t.isBefore(limit)) {
      if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
        continue;
      }
      if (timeMatches(t)) {
        return t.toInstant();
      }
      t = t.plusMinutes(1);
    }
    throw new IllegalStateException("cron expression '" + expression + "' never fires");
  }

  /** The last fire time at or before {@code at}. */
  public Instant previous(Instant at) {
    ZonedDateTime t = at.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
    ZonedDateTime limit = t.minusDays(SEARCH_DAYS);
    while (t.isAfter(limit)) {
      if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).minusMinutes(1);
        continue;
      }
      if (timeMatches(t)) {
        return t.toInstant();
      }
      t = t.minusMinutes(1);
    }
    throw new IllegalStateException("cron expression '" + expression + "' never fired");
  }

  @Override
  public String toString() {
    return expression;
  }
}
