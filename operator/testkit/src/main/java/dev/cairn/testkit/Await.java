package dev.cairn.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.Supplier;

/** Bounded waits for tests: a wait that runs out fails with what it waited for and what it last saw. */
public final class Await {

  private Await() {}

  /** Polls {@code condition} until true; fails after {@code max} with {@code what} and {@code state}. */
  public static void until(String what, Duration max, Supplier<Boolean> condition, Supplier<String> state) {
    long deadline = System.nanoTime() + max.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return;
        }
        last = null;
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        fail("timed out after " + max.toSeconds() + " s waiting for " + what + "; last seen: " + safe(state)
            + (last == null ? "" : "; last error: " + last));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for " + what);
      }
    }
  }

  public static void until(String what, Duration max, Supplier<Boolean> condition) {
    until(what, max, condition, () -> "(nothing recorded)");
  }

  private static String safe(Supplier<String> s) {
    try {
      return s.get();
    } catch (RuntimeException e) {
      return "(cannot read: " + e + ")";
    }
  }
}
