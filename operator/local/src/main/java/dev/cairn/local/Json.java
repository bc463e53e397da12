package dev.cairn.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** JSON comparisons that ignore what the API treats as absent: nulls, empty lists, empty maps. */
final class Json {

  /** Fabric8's own serialisation: model objects come out as the API writes them. */
  static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** A model object as a JSON tree. */
  static JsonNode tree(Object o) {
    return o == null ? MAPPER.nullNode() : KUBERNETES.convertValue(o, JsonNode.class);
  }

  /** Whether two objects have the same content once absent values are dropped. */
  static boolean sameContent(Object a, Object b) {
    return java.util.Objects.equals(normalise(tree(a)), normalise(tree(b)));
  }

  /** Drops nulls and empty containers, sorts object keys; null when nothing is left. */
  static JsonNode normalise(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      ObjectNode out = MAPPER.createObjectNode();
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        JsonNode v = normalise(f.getValue());
        if (v != null) {
          sorted.put(f.getKey(), v);
        }
      }
      sorted.forEach(out::set);
      return out.isEmpty() ? null : out;
    }
    if (node.isArray()) {
      ArrayNode out = MAPPER.createArrayNode();
      for (JsonNode e : node) {
        JsonNode v = normalise(e);
        out.add(v == null ? MAPPER.createObjectNode() : v);
      }
      return out.isEmpty() ? null : out;
    }
    return node;
  }
}
