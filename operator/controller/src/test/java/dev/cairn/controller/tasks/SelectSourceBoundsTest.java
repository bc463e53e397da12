package dev.cairn.controller.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.tasks.Step.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bounds of SelectSource that lie inside the step rather than in its generic timeout. */
class SelectSourceBoundsTest {

  @Test
  void anUnreadableStoreIsWaitedForFiveMinutesThenFailsTheStep() {
    Outcome early = Steps.storeUnreadable("Cannot read the store to check the chain to restore: timeout.",
        Duration.ofMinutes(4));
    assertEquals(Outcome.Kind.WAITING, early.kind());
    assertTrue(early.message().endsWith("Nothing was changed; retrying."), early.message());
    TaskRun.StepFailure late = assertThrows(TaskRun.StepFailure.class, () -> Steps.storeUnreadable(
        "Cannot read the store to check the chain to restore: timeout.", Duration.ofMinutes(5).plusSeconds(1)));
    assertEquals("Cannot read the store to check the chain to restore: timeout. Gave up after 5 minutes. Nothing"
        + " was changed.", late.getMessage());
  }

  @Test
  void theStepTimeoutNeverCutsTheLongestAllowedUnknownMembersWaitShort() {
    Step select = Steps.of(TaskType.RECOVER_QUORUM, Duration.ofMinutes(5)).stream()
        .filter(s -> s.name().equals(Steps.SELECT_SOURCE)).findFirst().orElseThrow();
    assertTrue(select.timeout().compareTo(Steps.MAX_UNKNOWN_WAIT.plus(Duration.ofMinutes(5))) > 0,
        "SelectSource times out after " + select.timeout() + ", before an unknownMembersTimeout of "
            + Steps.MAX_UNKNOWN_WAIT + " and its last ask");
  }
}
