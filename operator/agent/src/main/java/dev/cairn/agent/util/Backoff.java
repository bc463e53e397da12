package dev.cairn.agent.util;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Retries an operation with exponential backoff until it succeeds or the caller gives up: faults of the
 * store or of etcd are expected to clear, and nothing is dropped while they last.
 */
public final class Backoff {

  /** An operation that may fail with any exception. */
  @FunctionalInterface
  public interface Attempt<T> {
    T run() throws Exception;
  }

  /** Raised when the caller stopped retrying; carries the last failure. */
  public static final class GaveUpException extends Exception {
    public GaveUpException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Duration initial;
  private final Duration max;

  public Backoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max;
  }

  public static Backoff defaults() {
    return new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
  }

  /**
   * Runs {@code attempt} until it returns. After each failure {@code onFailure} sees it, then the
   * thread sleeps (doubling up to the maximum) unless {@code keepTrying} says stop.
   */
  public <T> T run(String what, Attempt<T> attempt, BooleanSupplier keepTrying, Consumer<Exception> onFailure)
      throws GaveUpException, InterruptedException {
    long delay = initial.toMillis();
    while (true) {
      Exception failure;
      try {
        return attempt.run();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        failure = e;
      }
      onFailure.accept(failure);
      if (!keepTrying.getAsBoolean()) {
        throw new GaveUpException(what + " abandoned: " + failure.getMessage(), failure);
      }
      Thread.sleep(delay);
      delay = Math.min(max.toMillis(), delay * 2);
      if (!keepTrying.getAsBoolean()) {
        throw new GaveUpException(what + " abandoned: " + failure.getMessage(), failure);
      }
    }
  }
}
