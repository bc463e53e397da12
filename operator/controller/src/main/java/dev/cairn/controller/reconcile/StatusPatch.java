package dev.cairn.controller.reconcile;

import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.controller.catalog.JsonPatches;

/**
 * The status write: a JSON Patch (RFC 6902) on the status subresource touching only the top-level
 * status fields that changed; each is replaced whole ({@code add}) or removed. Fields this pass did
 * not change, such as {@code reconcileSuspendedBy} written by a task, are left alone.
 *
 * <p>Why not a JSON merge patch, as ADR 0001 first said: the test API server merges arrays by
 * concatenation instead of replacing them (RFC 7386), so a merge patch of {@code conditions} would
 * grow the list on every write. A JSON Patch means the same thing on every server. Pure.
 */
public final class StatusPatch {

  private StatusPatch() {}

  /** The patch from {@code before} to {@code after}; "[]" when they are equal. */
  public static String between(EtcdStatus before, EtcdStatus after) {
    // One diff for every status the controller writes (Etcd, EtcdSnapshot, EtcdOpsTask).
    return JsonPatches.status(before, after);
  }
}
