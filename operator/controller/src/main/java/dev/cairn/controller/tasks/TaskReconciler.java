package dev.cairn.controller.tasks;

import dev.cairn.api.ConditionTypes;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdOpsTaskStatus;
import dev.cairn.api.v1alpha1.StepState;
import dev.cairn.api.v1alpha1.TaskPhase;
import dev.cairn.api.v1alpha1.TaskStep;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.catalog.JsonPatches;
import dev.cairn.controller.status.Times;
import dev.cairn.controller.tasks.Step.Outcome;
import dev.cairn.controller.tasks.TaskRun.StepFailure;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@code EtcdOpsTask}: Pending → Admitted (preconditions passed) → Running (the steps, one
 * transition per pass, each recorded in {@code status.steps} before the next begins) → Succeeded or
 * Failed; or Rejected. Everything the task needs to carry on lives in the task itself (its status and
 * its plan annotation), so a restarted operator picks up at the step where the last one stopped.
 * {@code spec.ttlSecondsAfterFinished} deletes a finished task.
 *
 * <p>The annotation {@value #PAUSE_BEFORE_STEP} holds a running task before the named step (to look at
 * the cluster, or at the chosen source, before the next change); removing it or naming a later step
 * lets the task go on.
 */
@ControllerConfiguration(name = TaskReconciler.NAME)
public final class TaskReconciler implements Reconciler<EtcdOpsTask> {

  public static final String NAME = "etcdopstask";
  /** On an EtcdOpsTask: the name of a step the task must not start while the annotation says so. */
  public static final String PAUSE_BEFORE_STEP = "cairn.dev/pause-before-step";
  private static final Logger LOG = LoggerFactory.getLogger(TaskReconciler.class);
  /** Between two steps: long enough to see the previous one recorded, short enough not to slow a task. */
  private static final Duration NEXT_STEP = Duration.ofMillis(10);

  private final Tasks tasks;
  private final Map<String, Object> admissionLocks = new ConcurrentHashMap<>();

  TaskReconciler(Tasks tasks) {
    this.tasks = tasks;
  }

  /** Spec, annotations (pause) and deletion start a pass; the status this reconciler writes does not. */
  static boolean taskChanged(EtcdOpsTask now, EtcdOpsTask before) {
    return !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || !Objects.equals(now.getMetadata().getAnnotations(), before.getMetadata().getAnnotations())
        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp());
  }

  @Override
  public UpdateControl<EtcdOpsTask> reconcile(EtcdOpsTask cached, Context<EtcdOpsTask> ctx) {
    // The informer's copy can lag this reconciler's own last status write (an event queued meanwhile
    // carries an older version): a step must never be decided on an old status, so read it fresh.
    EtcdOpsTask task = tasks.client.resources(EtcdOpsTask.class).inNamespace(cached.getMetadata().getNamespace())
        .withName(cached.getMetadata().getName()).get();
    if (task == null) {
      tasks.calls.remove(cached.getMetadata().getUid());
      return UpdateControl.noUpdate();
    }
    Instant now = tasks.clock.instant();
    EtcdOpsTaskStatus st = copy(task.getStatus());
    TaskPhase phase = st.getPhase() == null ? TaskPhase.PENDING : st.getPhase();
    if (Admission.finished(phase)) {
      return afterFinish(task, st, now);
    }
    if (task.getSpec() == null || task.getSpec().getType() == null || task.getSpec().getEtcdRef() == null) {
      return reject(task, st, null, "spec.type and spec.etcdRef are required.", now);
    }
    String ns = task.getMetadata().getNamespace();
    String etcdName = task.getSpec().getEtcdRef().getName();
    if (phase == TaskPhase.PENDING) {
      // One admission per Etcd at a time, so two tasks created together cannot both pass "no other task".
      synchronized (admissionLocks.computeIfAbsent(ns + "/" + etcdName, k -> new Object())) {
        Etcd etcd = tasks.ops.etcd(ns, etcdName);
        List<EtcdOpsTask> all = tasks.client.resources(EtcdOpsTask.class).inNamespace(ns).list().getItems();
        String refusal = Admission.refusal(tasks, task, etcd, all, now);
        if (refusal != null) {
          return reject(task, st, etcd, refusal, now);
        }
        st.setPhase(TaskPhase.ADMITTED);
        st.setObservedGeneration(task.getMetadata().getGeneration());
        setCompleted(st, "False", "Admitted", "Preconditions passed; the task runs next.", now);
        write(task, st);
      }
      tasks.events.normal(task, "Admitted", "Preconditions passed for " + task.getSpec().getType().value() + " on Etcd "
          + etcdName + ".");
      return UpdateControl.<EtcdOpsTask>noUpdate().rescheduleAfter(NEXT_STEP);
    }
    if (phase == TaskPhase.ADMITTED) {
      st.setPhase(TaskPhase.RUNNING);
      st.setStartedAt(Times.format(now));
      List<TaskStep> steps = new ArrayList<>();
      for (Step s : Steps.of(task.getSpec().getType(), tasks.snapshotTimeout)) {
        TaskStep t = new TaskStep();
        t.setName(s.name());
        t.setState(StepState.PENDING);
        steps.add(t);
      }
      st.setSteps(steps);
      setCompleted(st, "False", "Running", "Started.", now);
      write(task, st);
      Etcd etcd = tasks.ops.etcd(ns, etcdName);
      String msg = task.getSpec().getType().value() + " started by task " + task.getMetadata().getName() + ": steps "
          + steps.stream().map(TaskStep::getName).toList() + ".";
      tasks.events.normal(task, "Started", msg);
      if (etcd != null && task.getSpec().getType() != TaskType.SNAPSHOT) {
        tasks.events.normal(etcd, task.getSpec().getType().value() + "Started", msg);
      }
      return UpdateControl.<EtcdOpsTask>noUpdate().rescheduleAfter(NEXT_STEP);
    }
    return runStep(task, st, now);
  }

  private UpdateControl<EtcdOpsTask> runStep(EtcdOpsTask task, EtcdOpsTaskStatus st, Instant now) {
    List<TaskStep> steps = st.getSteps() == null ? List.of() : st.getSteps();
    TaskStep cur = steps.stream().filter(s -> s.getState() == StepState.PENDING || s.getState() == StepState.RUNNING)
        .findFirst().orElse(null);
    if (cur == null) {
      return succeed(task, st, now);
    }
    Step step = Steps.of(task.getSpec().getType(), tasks.snapshotTimeout).stream()
        .filter(s -> s.name().equals(cur.getName())).findFirst().orElse(null);
    if (step == null) {
      return fail(task, st, cur, "This operator version has no step " + cur.getName() + ".", now);
    }
    if (cur.getState() == StepState.PENDING) {
      String pause = task.getMetadata().getAnnotations() == null ? null
          : task.getMetadata().getAnnotations().get(PAUSE_BEFORE_STEP);
      if (cur.getName().equals(pause)) {
        String msg = "Paused: annotation " + PAUSE_BEFORE_STEP + " names this step. Remove it, or name a later step, to"
            + " go on.";
        if (!msg.equals(cur.getMessage())) {
          cur.setMessage(msg);
          write(task, st);
          tasks.events.normal(task, "Paused", "Paused before step " + cur.getName() + ".");
        }
        return UpdateControl.<EtcdOpsTask>noUpdate().rescheduleAfter(tasks.poll);
      }
      cur.setState(StepState.RUNNING);
      cur.setStartedAt(Times.format(now));
      cur.setMessage(null);
      write(task, st); // recorded before it acts: a restart from here runs it again, which it allows
    }
    Instant started = Times.parse(cur.getStartedAt());
    Etcd etcd = tasks.ops.etcd(task.getMetadata().getNamespace(), task.getSpec().getEtcdRef().getName());
    TaskRun run = new TaskRun(tasks, task, etcd, now, started);
    Outcome o;
    try {
      o = step.run(run);
    } catch (StepFailure e) {
      o = Outcome.failed(e.getMessage());
    } catch (KubernetesClientException e) {
      o = Outcome.waiting((e.getCode() == 409 || e.getCode() == 422 ? "An object changed while this step wrote it; "
          + "trying again." : "The API server refused a write: HTTP " + e.getCode() + " " + e.getMessage()
          + "; trying again."));
    } catch (Exception e) {
      LOG.warn("{}/{}: step {} failed, retrying: {}", task.getMetadata().getNamespace(), task.getMetadata().getName(),
          cur.getName(), e.toString());
      o = Outcome.waiting("Trying again after an error: " + e.getMessage());
    }
    if (o.kind() == Outcome.Kind.WAITING && started != null && now.isAfter(started.plus(step.timeout()))) {
      o = step.timedOut(run, o.message());
    }
    switch (o.kind()) {
      case DONE, SKIPPED -> {
        cur.setState(o.kind() == Outcome.Kind.DONE ? StepState.SUCCEEDED : StepState.SKIPPED);
        cur.setFinishedAt(Times.format(now));
        cur.setMessage(o.message());
        write(task, st);
        tasks.events.normal(task, o.kind() == Outcome.Kind.DONE ? "StepSucceeded" : "StepSkipped",
            cur.getName() + ": " + o.message());
        return UpdateControl.<EtcdOpsTask>noUpdate().rescheduleAfter(NEXT_STEP);
      }
      case WAITING -> {
        if (!Objects.equals(o.message(), cur.getMessage())) {
          cur.setMessage(o.message());
          write(task, st);
        }
        return UpdateControl.<EtcdOpsTask>noUpdate().rescheduleAfter(tasks.poll);
      }
      default -> {
        return fail(task, st, cur, o.message(), now);
      }
    }
  }

  private UpdateControl<EtcdOpsTask> succeed(EtcdOpsTask task, EtcdOpsTaskStatus st, Instant now) {
    st.setPhase(TaskPhase.SUCCEEDED);
    st.setFinishedAt(Times.format(now));
    String last = st.getSteps() == null || st.getSteps().isEmpty() ? "" : st.getSteps().get(st.getSteps().size() - 1)
        .getMessage();
    setCompleted(st, "True", "Succeeded", "Every step finished. " + (last == null ? "" : last), now);
    write(task, st);
    String msg = task.getSpec().getType().value() + " task " + task.getMetadata().getName() + " succeeded.";
    tasks.events.normal(task, "Succeeded", msg);
    Etcd etcd = tasks.ops.etcd(task.getMetadata().getNamespace(), task.getSpec().getEtcdRef().getName());
    if (etcd != null) {
      tasks.events.normal(etcd, task.getSpec().getType().value() + "Succeeded", msg);
    }
    return afterFinish(task, st, now);
  }

  private UpdateControl<EtcdOpsTask> fail(EtcdOpsTask task, EtcdOpsTaskStatus st, TaskStep cur, String message,
      Instant now) {
    Etcd etcd = tasks.ops.etcd(task.getMetadata().getNamespace(), task.getSpec().getEtcdRef().getName());
    String after = "";
    if (etcd != null && task.getMetadata().getName().equals(ClusterOps.suspendedBy(etcd))) {
      if (changedCluster(st)) {
        // Half way through, handing the cluster back to the spec reconcile could undo what is done: it
        // stays suspended until a person looks, and says how to go on.
        after = " The spec reconcile stays suspended by this task: look at the cluster, then delete this task to"
            + " resume it, or create a new task.";
      } else {
        try {
          tasks.ops.resume(etcd, task.getMetadata().getName());
          after = " Nothing was changed; the spec reconcile is resumed.";
        } catch (KubernetesClientException e) {
          after = " Resuming the spec reconcile failed (" + e.getMessage() + "); delete this task to resume it.";
        }
      }
    }
    cur.setState(StepState.FAILED);
    cur.setFinishedAt(Times.format(now));
    cur.setMessage(message);
    st.setPhase(TaskPhase.FAILED);
    st.setFinishedAt(Times.format(now));
    setCompleted(st, "True", "Failed", "Step " + cur.getName() + " failed: " + message + after, now);
    write(task, st);
    String msg = task.getSpec().getType().value() + " task " + task.getMetadata().getName() + " failed at step "
        + cur.getName() + ": " + message + after;
    tasks.events.warning(task, "Failed", msg);
    if (etcd != null) {
      tasks.events.warning(etcd, task.getSpec().getType().value() + "Failed", msg);
    }
    tasks.calls.remove(task.getMetadata().getUid());
    return afterFinish(task, st, now);
  }

  private static boolean changedCluster(EtcdOpsTaskStatus st) {
    boolean seen = false;
    for (TaskStep s : st.getSteps()) {
      if (s.getName().equals(Steps.FIRST_CHANGE)) {
        seen = true;
      }
      if (seen && s.getState() != StepState.PENDING) {
        return true;
      }
    }
    return false;
  }

  private UpdateControl<EtcdOpsTask> reject(EtcdOpsTask task, EtcdOpsTaskStatus st, Etcd etcd, String why, Instant now) {
    st.setPhase(TaskPhase.REJECTED);
    st.setFinishedAt(Times.format(now));
    st.setObservedGeneration(task.getMetadata().getGeneration());
    setCompleted(st, "True", "Rejected", why, now);
    write(task, st);
    tasks.events.warning(task, "Rejected", why);
    if (etcd != null) {
      tasks.events.warning(etcd, "TaskRejected", "Task " + task.getMetadata().getName() + " was rejected: " + why);
    }
    return afterFinish(task, st, now);
  }

  // ttlSecondsAfterFinished: the task is deleted that long after it finished.
  private UpdateControl<EtcdOpsTask> afterFinish(EtcdOpsTask task, EtcdOpsTaskStatus st, Instant now) {
    Integer ttl = task.getSpec() == null ? null : task.getSpec().getTtlSecondsAfterFinished();
    if (ttl == null || st.getFinishedAt() == null) {
      return UpdateControl.noUpdate();
    }
    Instant at = Times.parse(st.getFinishedAt()).plusSeconds(ttl);
    if (now.isBefore(at)) {
      return UpdateControl.<EtcdOpsTask>noUpdate().rescheduleAfter(Duration.between(now, at).plusMillis(50));
    }
    try {
      tasks.client.resource(task).delete();
      tasks.writes.wrote("EtcdOpsTask", "delete");
      LOG.info("{}/{}: deleted {}s after it finished (ttlSecondsAfterFinished)", task.getMetadata().getNamespace(),
          task.getMetadata().getName(), ttl);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    return UpdateControl.noUpdate();
  }

  private static void setCompleted(EtcdOpsTaskStatus st, String status, String reason, String message, Instant now) {
    List<Condition> conditions = st.getConditions() == null ? new ArrayList<>() : new ArrayList<>(st.getConditions());
    Condition prev = conditions.stream().filter(c -> ConditionTypes.TASK_COMPLETED.equals(c.getType())).findFirst()
        .orElse(null);
    String since = prev != null && status.equals(prev.getStatus()) ? prev.getLastTransitionTime() : Times.format(now);
    conditions.removeIf(c -> ConditionTypes.TASK_COMPLETED.equals(c.getType()));
    conditions.add(new ConditionBuilder().withType(ConditionTypes.TASK_COMPLETED).withStatus(status).withReason(reason)
        .withMessage(message.length() > 2048 ? message.substring(0, 2045) + "..." : message)
        .withLastTransitionTime(since).withObservedGeneration(st.getObservedGeneration()).build());
    st.setConditions(conditions);
  }

  /** Writes the status (only the fields that changed) and keeps the in-memory task in step. */
  private void write(EtcdOpsTask task, EtcdOpsTaskStatus next) {
    if (Objects.equals(task.getStatus(), next)) {
      return;
    }
    EtcdOpsTask updated = tasks.client.resources(EtcdOpsTask.class).inNamespace(task.getMetadata().getNamespace())
        .withName(task.getMetadata().getName()).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), JsonPatches.status(task.getStatus(), next));
    tasks.writes.wrote("EtcdOpsTask", "patch-status");
    task.setStatus(copy(next));
    task.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
  }

  private static EtcdOpsTaskStatus copy(EtcdOpsTaskStatus s) {
    return s == null ? new EtcdOpsTaskStatus() : Serialization.clone(s);
  }
}
