package dev.cairn.controller.status;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 times as Kubernetes writes them in status: UTC, whole seconds. */
public final class Times {

  private Times() {}

  public static String format(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  public static Instant parse(String t) {
    return t == null ? null : Instant.parse(t);
  }
}
