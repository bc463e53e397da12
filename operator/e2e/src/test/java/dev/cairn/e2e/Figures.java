package dev.cairn.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Figures the scenarios measure on the way (never asserted: the machine is shared and slow at
 * times). Appended as {@code name value unit} lines to the file named by the system property
 * {@code cairn.e2e.figures} when set (hack/bench-local.sh sets it), and logged in any case.
 */
final class Figures {

  private Figures() {}

  static void record(String name, double value, String unit) {
    String line = name + " " + String.format(java.util.Locale.ROOT, "%.1f", value) + " " + unit;
    org.slf4j.LoggerFactory.getLogger(Figures.class).info("figure: {}", line);
    String file = System.getProperty("cairn.e2e.figures", "");
    if (file.isBlank()) {
      return;
    }
    try {
      Files.writeString(Path.of(file), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file, e);
    }
  }

  static double secondsSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1e9;
  }
}
