package dev.cairn.controller.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON Patches (RFC 6902) the catalog and the tasks write. Status follows the Etcd reconciler's rule
 * ({@link dev.cairn.controller.reconcile.StatusPatch}): only the top-level status fields that changed,
 * each replaced whole, because the test API server concatenates arrays in a merge patch. Pure.
 */
public final class JsonPatches {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonPatches() {}

  /** The status patch from {@code before} to {@code after} (any status class); "[]" when equal. */
  public static String status(Object before, Object after) {
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    if (after == null) {
      if (before != null) {
        ops.addObject().put("op", "remove").put("path", "/status");
      }
      return ops.toString();
    }
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
        ops.addObject().put("op", "add").put("path", "/status/" + f).set("value", av);
      }
    }
    return ops.toString();
  }

  /** A JSON pointer segment ("/" and "~" escaped). */
  public static String pointer(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  /**
   * Removes one finalizer, only from the object version that was read (the resourceVersion test
   * fails with 422 otherwise, and the caller looks again).
   */
  public static String removeFinalizer(java.util.List<String> finalizers, String finalizer, String resourceVersion) {
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    ops.addObject().put("op", "test").put("path", "/metadata/resourceVersion").put("value", resourceVersion);
    ArrayNode rest = ops.addObject().put("op", "replace").put("path", "/metadata/finalizers").putArray("value");
    for (String f : finalizers) {
      if (!f.equals(finalizer)) {
        rest.add(f);
      }
    }
    return ops.toString();
  }

  /** Removes an annotation if it still has {@code value}. */
  public static String removeAnnotation(String key, String value) {
    String p = "/metadata/annotations/" + pointer(key);
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    ops.addObject().put("op", "test").put("path", p).put("value", value);
    ops.addObject().put("op", "remove").put("path", p);
    return ops.toString();
  }
}
