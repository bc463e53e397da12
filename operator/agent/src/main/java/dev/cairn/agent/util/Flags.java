package dev.cairn.agent.util;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for flag values: Go-style durations ({@code 20s}, {@code 1h30m}) and sizes ({@code 100Mi}). */
public final class Flags {

  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|k|K|Ki|KiB|M|Mi|MiB|G|Gi|GiB)");

  private Flags() {}

  /** {@code 500ms}, {@code 20s}, {@code 5m}, {@code 72h}, {@code 1h30m}; "0" means zero. */
  public static Duration duration(String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("empty duration: use a value such as 20s, 5m or 1h30m");
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    Duration d = Duration.ZERO;
    int pos = 0;
    while (m.find()) {
      if (m.start() != pos) {
        break;
      }
      long v = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(v);
        case "s" -> Duration.ofSeconds(v);
        case "m" -> Duration.ofMinutes(v);
        default -> Duration.ofHours(v);
      });
      pos = m.end();
    }
    if (pos != s.length() || pos == 0) {
      throw new IllegalArgumentException("invalid duration '" + s + "': use a value such as 500ms, 20s, 5m or 1h30m");
    }
    return d;
  }

  /** Bytes from {@code 1048576}, {@code 64Ki}, {@code 100Mi}, {@code 1Gi} (k/M/G are powers of 1000). */
  public static long size(String s) {
    Matcher m = s == null ? null : SIZE.matcher(s.strip());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("invalid size '" + s + "': use bytes or a value such as 64Ki, 100Mi, 1Gi");
    }
    long v = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "", "B" -> v;
      case "k", "K" -> v * 1000;
      case "Ki", "KiB" -> v * 1024;
      case "M" -> v * 1000_000;
      case "Mi", "MiB" -> v * 1024 * 1024;
      case "G" -> v * 1000_000_000;
      default -> v * 1024 * 1024 * 1024;
    };
  }
}
