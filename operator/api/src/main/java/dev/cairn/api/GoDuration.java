package dev.cairn.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats the Go-style duration strings used in the spec ({@code 20s}, {@code 5m}, {@code
 * 1h30m}, {@code 1.5h}, {@code 250ms}). Accepts exactly the language of {@link Patterns#DURATION}, the
 * pattern the CRD schema enforces, with Go's semantics: parts are summed, a fraction below one
 * nanosecond is truncated, and the total must fit Go's int64 nanoseconds (about 292 years), as the API
 * server's CEL {@code duration()} requires.
 */
public final class GoDuration {

  private static final Pattern WHOLE = Pattern.compile(Patterns.DURATION);
  private static final Pattern PART = Pattern.compile("([0-9]+(?:[.][0-9]+)?)(ns|us|ms|s|m|h)");
  private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

  private GoDuration() {}

  /**
   * Parses a duration string.
   *
   * @throws IllegalArgumentException naming the value and the expected form when it is not a duration
   */
  public static Duration parse(String value) {
    if (value == null) {
      throw new IllegalArgumentException("duration is missing: expected a Go duration such as 20s, 5m or 1h30m");
    }
    if (!WHOLE.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "invalid duration \"" + value + "\": expected one or more <number><unit> parts with unit h, m, s, ms, "
              + "us or ns, such as 20s, 5m, 1h30m or 1.5h (no sign, no spaces, 0 is written 0s)");
    }
    BigInteger total = BigInteger.ZERO;
    Matcher part = PART.matcher(value);
    while (part.find()) {
      BigDecimal nanos = new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit(part.group(2))));
      total = total.add(nanos.setScale(0, RoundingMode.DOWN).toBigIntegerExact());
      if (total.compareTo(MAX_NANOS) > 0) {
        throw new IllegalArgumentException(
            "invalid duration \"" + value + "\": longer than the largest duration Kubernetes accepts (about 292 years)");
      }
    }
    return Duration.ofNanos(total.longValueExact());
  }

  /** Whether {@code value} is a duration {@link #parse} accepts. */
  public static boolean isValid(String value) {
    try {
      parse(value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Formats a non-negative duration in the shortest whole-unit form {@link #parse} reads back to the same
   * value: {@code 1h30m}, {@code 20s}, {@code 1s500ms}, {@code 0s}.
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("cannot format negative duration " + duration + ": durations in the spec are non-negative");
    }
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    long seconds = duration.getSeconds();
    long nanos = duration.getNano();
    append(out, seconds / 3600, "h");
    append(out, seconds % 3600 / 60, "m");
    append(out, seconds % 60, "s");
    append(out, nanos / 1_000_000, "ms");
    append(out, nanos / 1_000 % 1_000, "us");
    append(out, nanos % 1_000, "ns");
    return out.toString();
  }

  private static void append(StringBuilder out, long amount, String unit) {
    if (amount != 0) {
      out.append(amount).append(unit);
    }
  }

  private static long nanosPerUnit(String unit) {
    switch (unit) {
      case "ns":
        return 1L;
      case "us":
        return 1_000L;
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
        return 60_000_000_000L;
      case "h":
        return 3_600_000_000_000L;
      default:
        throw new IllegalStateException("unit " + unit + " is matched by the pattern but not handled");
    }
  }
}
