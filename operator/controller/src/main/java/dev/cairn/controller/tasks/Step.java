package dev.cairn.controller.tasks;

import java.time.Duration;

/**
 * One step of a task's state machine. {@link #run} is called on every pass until it is done, so it
 * must be idempotent: it looks at the cluster as it is and does only what is still missing. That is
 * what makes a task resume correctly after the operator restarts at any point.
 */
interface Step {

  String name();

  /** How long the step may keep waiting before the task fails. */
  Duration timeout();

  Outcome run(TaskRun run) throws Exception;

  /** What a step that waited past its timeout amounts to; by default the task fails. */
  default Outcome timedOut(TaskRun run, String lastMessage) {
    return Outcome.failed("Gave up after " + timeout().toMinutes() + " minutes: " + lastMessage);
  }

  /** What one call of a step came to. */
  record Outcome(Kind kind, String message) {
    enum Kind {
      DONE,
      SKIPPED,
      WAITING,
      FAILED
    }

    static Outcome done(String message) {
      return new Outcome(Kind.DONE, message);
    }

    static Outcome skipped(String message) {
      return new Outcome(Kind.SKIPPED, message);
    }

    static Outcome waiting(String message) {
      return new Outcome(Kind.WAITING, message);
    }

    static Outcome failed(String message) {
      return new Outcome(Kind.FAILED, message);
    }
  }

  /** A step from a name, a timeout and a function. */
  static Step of(String name, Duration timeout, Body body) {
    return new Step() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Duration timeout() {
        return timeout;
      }

      @Override
      public Outcome run(TaskRun run) throws Exception {
        return body.run(run);
      }
    };
  }

  @FunctionalInterface
  interface Body {
    Outcome run(TaskRun run) throws Exception;
  }
}
