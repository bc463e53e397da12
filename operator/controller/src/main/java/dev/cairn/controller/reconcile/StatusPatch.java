package dev.cairn.controller.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.api.v1alpha1.EtcdStatus;
import java.util.Set;
import java.util.TreeSet;

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

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusPatch() {}

  /** The patch from {@code before} to {@code after}; "[]" when they are equal. */
  public static String between(EtcdStatus before, EtcdStatus after) {
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    JsonNode a = JSON.valueToTree(after);
    if (before == null) {
      ops.addObject().put("op", "add").put("path", "/status").set("value", a);
      return ops.toString();
    }
    JsonNode b = JSON.valueToTree(before);
    Set<String> fields = new TreeSet<>();
    a.fieldNames().forEachRemaining(fields::add);
    b.fieldNames().forEachRemaining(fields::add);
    for (String f : fields) {
      JsonNode av = a.get(f);
      JsonNode bv = b.get(f);
      if (av == null) {
        ops.addObject().put("op", "remove").put("path", "/status/" + f);
      } else if (!av.equals(bv)) {
        ObjectNode op = ops.addObject().put("op", "add").put("path", "/status/" + f);
        op.set("value", av);
      }
    }
    return ops.toString();
  }
}
