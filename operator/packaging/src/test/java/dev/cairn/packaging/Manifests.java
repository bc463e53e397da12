package dev.cairn.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Rendered manifests as JSON trees: parsing of multi-document YAML, one key per object, and the
 * normalisation that makes a Helm rendering and a kustomize build comparable.
 */
final class Manifests {

  static final ObjectMapper YAML = new YAMLMapper();
  static final ObjectMapper JSON = new ObjectMapper();

  /** Labels only Helm sets (release bookkeeping); everything else must be the same in both forms. */
  static final List<String> HELM_ONLY_LABELS = List.of("helm.sh/chart", "app.kubernetes.io/managed-by");

  private Manifests() {}

  /** Every non-empty document of a multi-document YAML stream, in order. */
  static List<ObjectNode> parse(String yaml) {
    List<ObjectNode> out = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      var it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && n.isObject() && n.size() > 0) {
          out.add((ObjectNode) n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse rendered YAML: " + e.getMessage(), e);
    }
    return out;
  }

  /** {@code Kind/namespace/name} (namespace empty for cluster-scoped objects). */
  static String key(JsonNode o) {
    JsonNode m = o.path("metadata");
    return o.path("kind").asText() + "/" + m.path("namespace").asText("") + "/" + m.path("name").asText();
  }

  static Map<String, ObjectNode> byKey(List<ObjectNode> objects) {
    Map<String, ObjectNode> m = new LinkedHashMap<>();
    for (ObjectNode o : objects) {
      if (m.put(key(o), o) != null) {
        throw new IllegalStateException("two objects named " + key(o));
      }
    }
    return m;
  }

  static List<ObjectNode> ofKind(List<ObjectNode> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  static Optional<ObjectNode> one(List<ObjectNode> objects, String kind) {
    List<ObjectNode> l = ofKind(objects, kind);
    if (l.size() > 1) {
      throw new IllegalStateException("expected at most one " + kind + ", got " + l.size());
    }
    return l.stream().findFirst();
  }

  /** A copy without the labels only Helm sets, wherever labels appear (objects and pod templates). */
  static ObjectNode withoutHelmLabels(ObjectNode o) {
    ObjectNode c = o.deepCopy();
    strip(c);
    return c;
  }

  private static void strip(JsonNode n) {
    if (n.isObject()) {
      JsonNode labels = n.get("labels");
      if (labels != null && labels.isObject()) {
        HELM_ONLY_LABELS.forEach(((ObjectNode) labels)::remove);
      }
      n.elements().forEachRemaining(Manifests::strip);
    } else if (n.isArray()) {
      n.elements().forEachRemaining(Manifests::strip);
    }
  }

  /**
   * Equal as JSON, with numbers compared by value (YAML tools write 1 or 1.0 for the same number) and
   * runs of whitespace in strings taken as one: Helm's YAML parser and kustomize's disagree on the line
   * breaks of folded scalars ({@code >-}) with more-indented lines, as the CEL expressions of the
   * protection policy have; CEL reads both the same.
   */
  static boolean sameContent(JsonNode a, JsonNode b) {
    return a.equals((x, y) -> {
      if (x.isNumber() && y.isNumber()) {
        return x.decimalValue().compareTo(y.decimalValue()) == 0 ? 0 : 1;
      }
      if (x.isTextual() && y.isTextual()) {
        return x.asText().replaceAll("\\s+", " ").equals(y.asText().replaceAll("\\s+", " ")) ? 0 : 1;
      }
      return x.equals(y) ? 0 : 1;
    }, b);
  }

  static String toYaml(List<ObjectNode> objects) {
    StringBuilder b = new StringBuilder();
    for (ObjectNode o : objects) {
      try {
        b.append(YAML.writeValueAsString(o));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return b.toString();
  }

  static Stream<JsonNode> stream(JsonNode array) {
    List<JsonNode> l = new ArrayList<>();
    if (array != null && array.isArray()) {
      array.forEach(l::add);
    }
    return l.stream();
  }
}
