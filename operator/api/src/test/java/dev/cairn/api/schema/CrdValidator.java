package dev.cairn.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cairn.api.CrdFiles;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Checks a custom resource against a generated CRD the way the API server would, without an API
 * server: applies the schema's {@code default}s (structural defaulting), validates the result against
 * {@code openAPIV3Schema} with json-schema-validator, then evaluates every {@code
 * x-kubernetes-validations} rule with CEL-Java, {@code self} bound to the node the rule sits on and, for
 * transition rules, {@code oldSelf} to the same node of the old object.
 *
 * <p>Translation of the Kubernetes schema dialect to JSON Schema draft 4: objects with {@code properties}
 * are closed ({@code additionalProperties: false}, like {@code kubectl}'s strict field validation) unless
 * they carry {@code x-kubernetes-preserve-unknown-fields}; {@code x-kubernetes-int-or-string} becomes
 * {@code anyOf: [integer, string]}; {@code nullable} adds {@code null} to the type; {@code apiVersion},
 * {@code kind} and {@code metadata} are allowed at the root; other {@code x-kubernetes-*} keys and
 * {@code format} are dropped.
 *
 * <p>Differences from the API server, on purpose: CEL rules run only when the schema validation passed
 * (the server may report both); transition rules are not correlated through list items (none of ours
 * sit under a list); CEL cost limits are not computed (the schema lint test checks the bounds instead).
 */
public final class CrdValidator {

  private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, CrdValidator> CACHE = new ConcurrentHashMap<>();

  private static final CelCompiler CEL_COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .build();
  private static final CelRuntime CEL_RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

  private final String crdName;
  private final JsonNode crdSchema;
  private final JsonSchema jsonSchema;

  private CrdValidator(String crdName, JsonNode crdSchema) {
    this.crdName = crdName;
    this.crdSchema = crdSchema;
    SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER).build();
    this.jsonSchema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(toJsonSchema(crdSchema, true), config);
  }

  /** The validator for one generated CRD file (a name from {@link CrdFiles#NAMES}), read from the classpath. */
  public static CrdValidator forCrd(String crdFileName) {
    return CACHE.computeIfAbsent(crdFileName, name -> new CrdValidator(name, openApiSchema(CrdFiles.read(name))));
  }

  /** The validator for the CRD serving {@code kind} of group cairn.dev. */
  public static CrdValidator forKind(String kind) {
    for (String name : CrdFiles.NAMES) {
      JsonNode crd = readYaml(CrdFiles.read(name));
      if (kind.equals(crd.path("spec").path("names").path("kind").asText())) {
        return forCrd(name);
      }
    }
    throw new IllegalArgumentException("no generated CRD serves kind " + kind + "; known files: " + CrdFiles.NAMES);
  }

  /** The {@code openAPIV3Schema} of the single version in a CRD document. */
  public static JsonNode openApiSchema(String crdYaml) {
    JsonNode versions = readYaml(crdYaml).path("spec").path("versions");
    if (versions.size() != 1) {
      throw new IllegalStateException("expected one version in the CRD, found " + versions.size());
    }
    return versions.get(0).path("schema").path("openAPIV3Schema");
  }

  /** The CRD's schema as generated (Kubernetes dialect). */
  public JsonNode crdSchema() {
    return crdSchema;
  }

  /** Validates a newly created object given as YAML. */
  public Result validate(String yaml) {
    return validate(readYaml(yaml));
  }

  /** Validates a newly created object. */
  public Result validate(JsonNode document) {
    return validateUpdate(null, document);
  }

  /** Validates an update from {@code oldYaml} to {@code newYaml}: transition rules see both. */
  public Result validateUpdate(String oldYaml, String newYaml) {
    return validateUpdate(readYaml(oldYaml), readYaml(newYaml));
  }

  /** Validates an update; {@code oldDocument} null means a create. */
  public Result validateUpdate(JsonNode oldDocument, JsonNode newDocument) {
    JsonNode doc = withDefaults(newDocument);
    JsonNode old = oldDocument == null ? null : withDefaults(oldDocument);
    List<Violation> violations = new ArrayList<>();
    for (ValidationMessage message : jsonSchema.validate(doc)) {
      violations.add(toViolation(message));
    }
    if (violations.isEmpty()) {
      evaluateRules(crdSchema, doc, old, "", violations);
    }
    violations.sort(Comparator.comparing(Violation::path).thenComparing(Violation::rule));
    return new Result(doc, violations);
  }

  /** A copy of {@code document} with the schema's defaults applied, as the API server stores it. */
  public JsonNode withDefaults(JsonNode document) {
    JsonNode copy = document.deepCopy();
    applyDefaults(crdSchema, copy);
    return copy;
  }

  @Override
  public String toString() {
    return "CrdValidator[" + crdName + "]";
  }

  /** The outcome: the defaulted document and every violation found. */
  public record Result(JsonNode defaulted, List<Violation> violations) {

    public boolean valid() {
      return violations.isEmpty();
    }

    @Override
    public String toString() {
      return valid() ? "valid" : "invalid: " + violations;
    }
  }

  // ---------------------------------------------------------------- defaulting

  private static void applyDefaults(JsonNode schema, JsonNode node) {
    if (node instanceof ObjectNode object) {
      JsonNode properties = schema.path("properties");
      for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> property = it.next();
        if (!object.has(property.getKey()) && property.getValue().has("default")) {
          object.set(property.getKey(), property.getValue().get("default").deepCopy());
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> property = it.next();
        if (object.has(property.getKey())) {
          applyDefaults(property.getValue(), object.get(property.getKey()));
        }
      }
      JsonNode additional = schema.path("additionalProperties");
      if (additional.isObject()) {
        object.forEach(value -> applyDefaults(additional, value));
      }
    } else if (node instanceof ArrayNode array && schema.has("items")) {
      array.forEach(item -> applyDefaults(schema.get("items"), item));
    }
  }

  // ---------------------------------------------------------------- schema translation

  static ObjectNode toJsonSchema(JsonNode k8s, boolean root) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    boolean preserveUnknown = k8s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    for (Iterator<Map.Entry<String, JsonNode>> it = k8s.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      switch (key) {
        case "description", "default", "format", "example", "nullable" -> { }
        case "properties" -> {
          ObjectNode properties = out.putObject("properties");
          value.fields().forEachRemaining(p -> properties.set(p.getKey(), toJsonSchema(p.getValue(), false)));
        }
        case "items", "not" -> out.set(key, toJsonSchema(value, false));
        case "additionalProperties" ->
            out.set(key, value.isObject() ? toJsonSchema(value, false) : value.deepCopy());
        case "anyOf", "allOf", "oneOf" -> {
          ArrayNode list = out.putArray(key);
          value.forEach(v -> list.add(toJsonSchema(v, false)));
        }
        default -> {
          if (!key.startsWith("x-kubernetes-")) {
            out.set(key, value.deepCopy());
          }
        }
      }
    }
    if (k8s.path("x-kubernetes-int-or-string").asBoolean(false) && !out.has("anyOf")) {
      ArrayNode anyOf = out.putArray("anyOf");
      anyOf.addObject().put("type", "integer");
      anyOf.addObject().put("type", "string");
    }
    if (k8s.path("nullable").asBoolean(false) && out.has("type")) {
      ArrayNode types = JsonNodeFactory.instance.arrayNode().add(out.get("type").asText()).add("null");
      out.set("type", types);
    }
    if (root) {
      ObjectNode properties =
          out.get("properties") instanceof ObjectNode existing ? existing : out.putObject("properties");
      properties.putObject("apiVersion").put("type", "string");
      properties.putObject("kind").put("type", "string");
      properties.putObject("metadata").put("type", "object");
    }
    if ("object".equals(k8s.path("type").asText()) && !preserveUnknown && !k8s.has("additionalProperties")) {
      out.put("additionalProperties", false);
    }
    return out;
  }

  private static Violation toViolation(ValidationMessage message) {
    String path = toFieldPath(message.getInstanceLocation());
    if ("required".equals(message.getType()) && message.getProperty() != null) {
      path = path.isEmpty() ? message.getProperty() : path + "." + message.getProperty();
    }
    if ("additionalProperties".equals(message.getType()) && message.getProperty() != null) {
      path = path.isEmpty() ? message.getProperty() : path + "." + message.getProperty();
    }
    return new Violation(path, message.getType(), message.getMessage());
  }

  private static String toFieldPath(JsonNodePath location) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer index) {
        out.append('[').append(index).append(']');
      } else {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(element);
      }
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- CEL

  private static void evaluateRules(JsonNode schema, JsonNode node, JsonNode old, String path, List<Violation> out) {
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      boolean transition = OLD_SELF.matcher(expression).find();
      if (transition && old == null && !rule.path("optionalOldSelf").asBoolean(false)) {
        continue;
      }
      String where = path + rule.path("fieldPath").asText("");
      if (where.startsWith(".")) {
        where = where.substring(1);
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", toCel(node));
      if (old != null) {
        vars.put("oldSelf", toCel(old));
      }
      try {
        Object result = program(expression).eval(vars);
        if (!Boolean.TRUE.equals(result)) {
          String message = rule.has("message") ? rule.get("message").asText() : "failed rule: " + expression;
          out.add(new Violation(where, result instanceof Boolean ? "cel" : "cel-error", message));
        }
      } catch (CelEvaluationException e) {
        out.add(new Violation(where, "cel-error", expression + ": " + e.getMessage()));
      }
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> property = it.next();
        JsonNode child = node.get(property.getKey());
        if (child != null) {
          JsonNode oldChild = old == null ? null : old.get(property.getKey());
          evaluateRules(property.getValue(), child, oldChild, join(path, property.getKey()), out);
        }
      }
      JsonNode additional = schema.path("additionalProperties");
      if (additional.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> entry = it.next();
          JsonNode oldChild = old == null ? null : old.get(entry.getKey());
          evaluateRules(additional, entry.getValue(), oldChild, path + "[" + entry.getKey() + "]", out);
        }
      }
    } else if (node.isArray() && schema.has("items")) {
      for (int i = 0; i < node.size(); i++) {
        evaluateRules(schema.get("items"), node.get(i), null, path + "[" + i + "]", out);
      }
    }
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** Compiles (once) a rule as the API server would type it when nothing is known: self and oldSelf dyn. */
  public static CelRuntime.Program program(String expression) {
    return PROGRAMS.computeIfAbsent(
        expression,
        e -> {
          try {
            CelAbstractSyntaxTree ast = CEL_COMPILER.compile(e).getAst();
            return CEL_RUNTIME.createProgram(ast);
          } catch (CelValidationException | CelEvaluationException ex) {
            throw new IllegalArgumentException("CEL rule does not compile: " + e + ": " + ex.getMessage(), ex);
          }
        });
  }

  /** Converts JSON to the values CEL-Java evaluates: maps, lists, Long, Double, String, Boolean. */
  public static Object toCel(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toCel(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(toCel(item)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }

  /** Parses one YAML (or JSON) document. */
  public static JsonNode readYaml(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses every document of a YAML stream, skipping empty ones. */
  public static List<JsonNode> readYamlStream(String yaml) {
    try {
      List<JsonNode> docs = new ArrayList<>();
      try (var parser = YAML.getFactory().createParser(yaml)) {
        Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
        while (it.hasNext()) {
          JsonNode doc = it.next();
          if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
            docs.add(doc);
          }
        }
      }
      return docs;
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** JSON text of a node, for messages. */
  static String json(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
