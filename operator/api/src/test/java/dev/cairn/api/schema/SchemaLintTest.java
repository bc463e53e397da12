package dev.cairn.api.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.api.CrdFiles;
import dev.cairn.api.v1alpha1.EtcdConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Properties of the generated schemas the API server cares about and a plain validation does not
 * show: descriptions for {@code kubectl explain}, rules that compile, CEL cost bounds, patterns Go's
 * RE2 accepts.
 */
class SchemaLintTest {

  /** Subtrees generated from Fabric8's core types: their fields are documented by Kubernetes itself. */
  private static final Set<String> CORE_TYPES =
      Set.of("affinity", "tolerations", "topologySpreadConstraints", "resources", "conditions");

  private interface Visitor {
    void visit(String path, JsonNode schema);
  }

  private static void walk(String path, JsonNode schema, Visitor visitor) {
    visitor.visit(path, schema);
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      walk(path.isEmpty() ? p.getKey() : path + "." + p.getKey(), p.getValue(), visitor);
    }
    if (schema.path("additionalProperties").isObject()) {
      walk(path + "[*]", schema.get("additionalProperties"), visitor);
    }
    if (schema.has("items")) {
      walk(path + "[]", schema.get("items"), visitor);
    }
  }

  private static List<JsonNode> schemas() {
    return CrdFiles.NAMES.stream().map(n -> CrdValidator.openApiSchema(CrdFiles.read(n))).toList();
  }

  private static boolean inCoreType(String path) {
    for (String segment : path.replace("[]", "").replace("[*]", "").split("\\.")) {
      if (CORE_TYPES.contains(segment)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void everyCairnFieldHasADescription() {
    List<String> missing = new ArrayList<>();
    for (JsonNode schema : schemas()) {
      walk("", schema, (path, node) -> {
        boolean topLevel = path.isEmpty() || path.equals("spec") || path.equals("status");
        boolean container = path.endsWith("[]") || path.endsWith("[*]");
        if (!topLevel && !container && !inCoreType(path) && !node.has("description")) {
          missing.add(path);
        }
      });
    }
    assertEquals(List.of(), missing, "fields without @JsonPropertyDescription");
  }

  @Test
  void everyRuleCompilesAndHasAMessage() {
    int rules = 0;
    for (JsonNode schema : schemas()) {
      List<JsonNode> found = new ArrayList<>();
      walk("", schema, (path, node) -> node.path("x-kubernetes-validations").forEach(found::add));
      for (JsonNode rule : found) {
        CrdValidator.program(rule.path("rule").asText());
        assertTrue(rule.hasNonNull("message"), () -> "rule without message: " + rule);
        rules++;
      }
    }
    assertTrue(rules >= 30, "expected the full rule set, found " + rules);
  }

  /**
   * The API server refuses a CRD whose rules' estimated cost is too high; the estimate uses maxLength,
   * maxItems and maxProperties. Every string a rule reads must be bounded (or an enum), every map or
   * list a rule iterates too, and an equality on a whole object needs its whole subtree bounded.
   * Exception: int-or-string quantities (Fabric8 cannot put maxLength on them): one regex over an
   * unbounded string is about 7M of the 10M per-rule budget, see docs/api.md.
   */
  @Test
  void everyValueARuleReadsIsBounded() {
    Pattern selfField = Pattern.compile("\\bself\\.([A-Za-z]+)");
    List<String> unbounded = new ArrayList<>();
    for (JsonNode schema : schemas()) {
      walk("", schema, (path, node) -> {
        for (JsonNode rule : node.path("x-kubernetes-validations")) {
          String text = rule.path("rule").asText();
          if (text.contains("self == oldSelf")) {
            walk(path, node, (p, n) -> checkBounded(p, n, unbounded));
            continue;
          }
          checkBounded(path, node, unbounded);
          if (node.path("additionalProperties").isObject() && text.matches("(?s).*\\bk\\.(matches|size|contains)\\(.*")) {
            unbounded.add(path + " (map keys are unbounded: use startsWith or a constant list on them)");
          }
          Matcher m = selfField.matcher(text);
          while (m.find()) {
            JsonNode field = node.path("properties").path(m.group(1));
            if (!field.isMissingNode()) {
              checkBounded(path + "." + m.group(1), field, unbounded);
            }
          }
        }
      });
    }
    assertEquals(List.of(), unbounded, "values read by CEL rules without maxLength/maxItems/maxProperties");
  }

  private static void checkBounded(String path, JsonNode node, List<String> out) {
    String type = node.path("type").asText();
    boolean intOrString = node.path("x-kubernetes-int-or-string").asBoolean(false);
    if (type.equals("string") && !node.has("maxLength") && !node.has("enum")) {
      out.add(path + " (string)");
    } else if (type.equals("array") && !node.has("maxItems")) {
      out.add(path + " (list)");
    } else if (type.equals("object") && node.path("additionalProperties").isObject() && !node.has("maxProperties")) {
      out.add(path + " (map)");
    } else if (!intOrString && type.isEmpty() && !node.has("properties")) {
      out.add(path + " (untyped)");
    }
  }

  /** The API server compiles patterns with Go's RE2: no look-arounds, no back-references. re2j is RE2. */
  @Test
  void everyPatternIsValidRe2() {
    List<String> patterns = new ArrayList<>();
    for (JsonNode schema : schemas()) {
      walk("", schema, (path, node) -> {
        if (node.has("pattern")) {
          patterns.add(node.get("pattern").asText());
        }
        for (JsonNode rule : node.path("x-kubernetes-validations")) {
          Matcher m = Pattern.compile("matches\\('([^']*)'\\)").matcher(rule.path("rule").asText());
          while (m.find()) {
            patterns.add(m.group(1));
          }
        }
      });
    }
    assertTrue(patterns.size() > 10, patterns::toString);
    for (String pattern : patterns) {
      com.google.re2j.Pattern.compile(pattern);
      Pattern.compile(pattern);
    }
  }

  @Test
  void extraArgsDenylistRuleMatchesTheJavaList() {
    JsonNode extraArgs = CrdValidator.forKind("Etcd").crdSchema()
        .at("/properties/spec/properties/etcd/properties/extraArgs");
    String rule = null;
    for (JsonNode r : extraArgs.path("x-kubernetes-validations")) {
      if (r.path("rule").asText().contains("'data-dir'")) {
        rule = r.path("rule").asText();
      }
    }
    assertTrue(rule != null, "denylist rule not found");
    List<String> inRule = new ArrayList<>();
    Matcher m = Pattern.compile("'([a-z-]+)'").matcher(rule);
    while (m.find()) {
      inRule.add(m.group(1));
    }
    assertEquals(EtcdConfig.OPERATOR_OWNED_FLAGS, inRule);
  }

  @Test
  void scaleSubresourceAndPrinterColumns() {
    JsonNode version = CrdValidator.readYaml(CrdFiles.read("etcds.cairn.dev-v1.yml")).at("/spec/versions/0");
    assertEquals(".spec.replicas", version.at("/subresources/scale/specReplicasPath").asText());
    assertEquals(".status.replicas", version.at("/subresources/scale/statusReplicasPath").asText());
    assertEquals(".status.labelSelector", version.at("/subresources/scale/labelSelectorPath").asText());
    assertTrue(version.at("/subresources/status").isObject());
    List<String> columns = new ArrayList<>();
    version.path("additionalPrinterColumns").forEach(c -> columns.add(c.path("name").asText()));
    assertTrue(columns.containsAll(List.of("Ready", "Quorate", "Members", "Backup", "Age")), columns::toString);
    JsonNode snapshot = CrdValidator.readYaml(CrdFiles.read("etcdsnapshots.cairn.dev-v1.yml"));
    assertEquals("Cluster", snapshot.at("/spec/scope").asText());
    assertEquals("etcdsnap", snapshot.at("/spec/names/shortNames/0").asText());
  }
}
