package dev.cairn.controller.tasks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What a RecoverQuorum or Restore task decided before it changed anything, kept in the task's
 * annotation {@value #ANNOTATION} so that a resumed task carries on with the same decision (the
 * members it was based on are gone by then).
 *
 * @param action {@code ForceNewCluster} or {@code RestoreFromStore}
 * @param ordinal the member that starts first
 * @param member its pod name
 * @param memberRevision the revision of the kept member's data (ForceNewCluster), else null
 * @param storeRevision the newest end revision in the store when decided, null without backups
 * @param snapshot the store object to restore (Restore by snapshot name), else null
 * @param revision the revision to restore to exactly (Restore by revision), else null
 * @param expectedRevision the revision the started member must reach at least
 * @param allowTokenMismatch whether the restore may use a snapshot with another token hash
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Plan(
    String action, int ordinal, String member, Long memberRevision, Long storeRevision, String snapshot, Long revision,
    long expectedRevision, boolean allowTokenMismatch) {

  public static final String ANNOTATION = "cairn.dev/plan";
  private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Plan fromJson(String json) {
    try {
      return JSON.readValue(json, Plan.class);
    } catch (IOException e) {
      throw new IllegalStateException("the task's " + ANNOTATION + " annotation is not a plan: " + e.getMessage(), e);
    }
  }

  boolean restore() {
    return RecoverySource.Action.RESTORE_FROM_STORE.value().equals(action);
  }

  BootstrapDirective directive(String taskUid) {
    return new BootstrapDirective(taskUid, action, member, snapshot, revision, allowTokenMismatch);
  }
}
