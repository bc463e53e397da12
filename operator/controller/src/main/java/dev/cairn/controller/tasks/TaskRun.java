package dev.cairn.controller.tasks;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.TaskStep;
import dev.cairn.controller.catalog.JsonPatches;
import dev.cairn.controller.status.Times;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;

/** One pass of one task: the task, its Etcd as read now, the step's start, the decided plan. */
final class TaskRun {

  final Tasks tasks;
  final EtcdOpsTask task;
  /** Read fresh from the API server at the start of the pass; null when it does not exist. */
  final Etcd etcd;
  final Instant now;
  final Instant stepStarted;

  TaskRun(Tasks tasks, EtcdOpsTask task, Etcd etcd, Instant now, Instant stepStarted) {
    this.tasks = tasks;
    this.task = task;
    this.etcd = etcd;
    this.now = now;
    this.stepStarted = stepStarted;
  }

  String namespace() {
    return task.getMetadata().getNamespace();
  }

  String taskName() {
    return task.getMetadata().getName();
  }

  String etcdName() {
    return task.getSpec().getEtcdRef().getName();
  }

  ClusterOps ops() {
    return tasks.ops;
  }

  /** The plan recorded by an earlier step, or null. */
  Plan plan() {
    String json = task.getMetadata().getAnnotations() == null ? null
        : task.getMetadata().getAnnotations().get(Plan.ANNOTATION);
    return json == null ? null : Plan.fromJson(json);
  }

  /** Records the plan on the task before anything depends on it. */
  void recordPlan(Plan plan) {
    String pointer = "/metadata/annotations";
    String patch = task.getMetadata().getAnnotations() == null
        ? "[{\"op\":\"add\",\"path\":\"" + pointer + "\",\"value\":{" + quote(Plan.ANNOTATION) + ":"
            + quote(plan.toJson()) + "}}]"
        : "[{\"op\":\"add\",\"path\":\"" + pointer + "/" + JsonPatches.pointer(Plan.ANNOTATION) + "\",\"value\":"
            + quote(plan.toJson()) + "}]";
    EtcdOpsTask updated = tasks.client.resources(EtcdOpsTask.class).inNamespace(namespace()).withName(taskName())
        .patch(PatchContext.of(PatchType.JSON), patch);
    tasks.writes.wrote("EtcdOpsTask", "patch");
    task.getMetadata().setAnnotations(updated.getMetadata().getAnnotations());
    task.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
  }

  /** When an earlier step of this task finished, or null. */
  Instant finished(String stepName) {
    if (task.getStatus() == null || task.getStatus().getSteps() == null) {
      return null;
    }
    for (TaskStep s : task.getStatus().getSteps()) {
      if (s.getName().equals(stepName) && s.getFinishedAt() != null) {
        return Times.parse(s.getFinishedAt());
      }
    }
    return null;
  }

  Etcd requireEtcd() {
    if (etcd == null) {
      throw new StepFailure("Etcd " + namespace() + "/" + etcdName() + " no longer exists.");
    }
    return etcd;
  }

  private static String quote(String s) {
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(s);
  }

  /** Thrown by a step for a failure that retrying cannot fix; the task fails with the message. */
  static final class StepFailure extends RuntimeException {
    StepFailure(String message) {
      super(message);
    }
  }
}
