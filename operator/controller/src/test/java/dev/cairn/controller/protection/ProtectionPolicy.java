package dev.cairn.controller.protection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resource-protection policy of {@code deploy/protection} as the API server runs it, for tests: reads
 * the ValidatingAdmissionPolicy, its binding and its parameters ConfigMap from the repository, and decides
 * an AdmissionReview's request by the same steps: the match constraints (resource rules without
 * subresources, the object selector against the old or the new object), the match conditions, the
 * variables, then every validation in order; the first one that fails denies, with the message the API
 * server returns ({@code <resource>[.<group>] "<name>" is forbidden: ValidatingAdmissionPolicy '<policy>'
 * with binding '<binding>' denied request: <messageExpression>}).
 *
 * <p>The CEL expressions are evaluated as written, with CEL-Java: the standard library and macros plus
 * the strings extension ({@code split}, {@code trim}), which Kubernetes also includes. Unlike the API
 * server, variables are evaluated eagerly, in order, and an error in any expression fails the decision
 * (the test then fails), which is stricter than Kubernetes' lazy variables. Objects are untyped maps here
 * (Kubernetes types them from OpenAPI), so type-checking warnings the API server may give are not
 * reproduced; the expressions use only field presence ({@code has}), map membership and comparisons.
 * CEL-Java 0.9.0 cannot take {@code size()} of a list read out of such a map (no matching overload), so
 * the policies test list membership with {@code in} instead.
 */
final class ProtectionPolicy {

  static final Path DIR = repoRoot().resolve("deploy/protection");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addLibraries(CelExtensions.strings())
      .addVar("object", SimpleType.DYN)
      .addVar("oldObject", SimpleType.DYN)
      .addVar("request", SimpleType.DYN)
      .addVar("params", SimpleType.DYN)
      .addVar("variables", SimpleType.DYN)
      .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
      .addLibraries(CelExtensions.strings())
      .build();

  final JsonNode policy;
  final JsonNode binding;
  final JsonNode params;

  private ProtectionPolicy(JsonNode policy, JsonNode binding, JsonNode params) {
    this.policy = policy;
    this.binding = binding;
    this.params = params;
  }

  /** The names of the committed policies, in file order. */
  static List<String> policyNames() {
    return documents("policy.yaml").stream().map(d -> d.path("metadata").path("name").asText()).toList();
  }

  /** The committed policy named {@code name}, the binding that binds it, and the parameters. */
  static ProtectionPolicy load(String name) {
    JsonNode policy = documents("policy.yaml").stream()
        .filter(d -> name.equals(d.path("metadata").path("name").asText())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no policy " + name + " in " + DIR.resolve("policy.yaml")));
    List<JsonNode> bindings = documents("binding.yaml").stream()
        .filter(d -> name.equals(d.path("spec").path("policyName").asText())).toList();
    if (bindings.size() != 1) {
      throw new IllegalStateException("expected one binding of policy " + name + ", found " + bindings.size());
    }
    List<JsonNode> params = documents("params.yaml");
    return new ProtectionPolicy(policy, bindings.get(0), params.get(0));
  }

  /** The same policy and binding with other parameters (a different operator install). */
  ProtectionPolicy withParams(JsonNode otherParams) {
    return new ProtectionPolicy(policy, binding, otherParams);
  }

  /** Every YAML document of a file in {@code deploy/protection}. */
  static List<JsonNode> documents(String file) {
    YAMLMapper yaml = new YAMLMapper();
    try (var parser = yaml.getFactory().createParser(Files.readString(DIR.resolve(file)))) {
      List<JsonNode> docs = new ArrayList<>();
      yaml.readValues(parser, JsonNode.class).forEachRemaining(d -> {
        if (d != null && !d.isNull() && !d.isEmpty()) {
          docs.add(d);
        }
      });
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DIR.resolve(file), e);
    }
  }

  static JsonNode review(String name) {
    String resource = "/protection/reviews/" + name + ".json";
    try (var in = ProtectionPolicy.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no AdmissionReview " + resource + " on the test classpath");
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the API server answers: allowed (matched or not), or denied with HTTP code and message. */
  record Decision(boolean matched, boolean allowed, int code, String message) {

    static Decision notMatched() {
      return new Decision(false, true, 200, "");
    }

    @Override
    public String toString() {
      return !matched ? "not matched" : allowed ? "allowed" : "denied " + code + ": " + message;
    }
  }

  /** Decides the request of an AdmissionReview document. */
  Decision decide(JsonNode admissionReview) {
    JsonNode request = admissionReview.path("request");
    if (!matches(request)) {
      return Decision.notMatched();
    }
    Map<String, Object> vars = new HashMap<>();
    vars.put("request", cel(request));
    vars.put("object", cel(request.path("object")));
    vars.put("oldObject", cel(request.path("oldObject")));
    vars.put("params", cel(params));
    for (JsonNode condition : policy.path("spec").path("matchConditions")) {
      if (!(Boolean) eval(condition.path("expression").asText(), vars, "matchCondition " + condition.path("name"))) {
        return Decision.notMatched();
      }
    }
    Map<String, Object> variables = new LinkedHashMap<>();
    vars.put("variables", variables);
    for (JsonNode v : policy.path("spec").path("variables")) {
      variables.put(v.path("name").asText(), eval(v.path("expression").asText(), vars, "variable " + v.path("name")));
    }
    for (JsonNode validation : policy.path("spec").path("validations")) {
      Object ok = eval(validation.path("expression").asText(), vars, "validation");
      if (!(ok instanceof Boolean b)) {
        throw new AssertionError("validation " + validation.path("expression") + " gave " + ok + ", not a bool");
      }
      if (!b) {
        String message = (String) eval(validation.path("messageExpression").asText(), vars, "messageExpression");
        String reason = validation.path("reason").asText("Invalid");
        return new Decision(true, false, "Forbidden".equals(reason) ? 403 : 422, forbidden(request, message));
      }
    }
    return new Decision(true, true, 200, "");
  }

  // The API server's wording (admission.NewForbidden around the policy's denial).
  private String forbidden(JsonNode request, String message) {
    String group = request.path("resource").path("group").asText();
    String resource = request.path("resource").path("resource").asText() + (group.isEmpty() ? "" : "." + group);
    return resource + " \"" + request.path("name").asText() + "\" is forbidden: ValidatingAdmissionPolicy '"
        + policy.path("metadata").path("name").asText() + "' with binding '"
        + binding.path("metadata").path("name").asText() + "' denied request: " + message;
  }

  private boolean matches(JsonNode request) {
    JsonNode constraints = policy.path("spec").path("matchConstraints");
    boolean ruleMatched = false;
    for (JsonNode rule : constraints.path("resourceRules")) {
      ruleMatched |= contains(rule.path("apiGroups"), request.path("resource").path("group").asText())
          && contains(rule.path("apiVersions"), request.path("resource").path("version").asText())
          && contains(rule.path("operations"), request.path("operation").asText())
          && contains(rule.path("resources"), resourceWithSubresource(request));
    }
    if (!ruleMatched) {
      return false;
    }
    JsonNode selector = constraints.path("objectSelector");
    return selects(selector, request.path("oldObject")) || selects(selector, request.path("object"));
  }

  private static String resourceWithSubresource(JsonNode request) {
    String sub = request.path("subResource").asText("");
    return request.path("resource").path("resource").asText() + (sub.isEmpty() ? "" : "/" + sub);
  }

  private static boolean contains(JsonNode list, String value) {
    for (JsonNode v : list) {
      if (v.asText().equals("*") || v.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  // A label selector against one object; a missing (null) object never matches.
  private static boolean selects(JsonNode selector, JsonNode object) {
    if (object.isMissingNode() || object.isNull()) {
      return false;
    }
    JsonNode labels = object.path("metadata").path("labels");
    for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
        return false;
      }
    }
    for (JsonNode expr : selector.path("matchExpressions")) {
      String key = expr.path("key").asText();
      boolean has = labels.has(key);
      boolean ok = switch (expr.path("operator").asText()) {
        case "Exists" -> has;
        case "DoesNotExist" -> !has;
        case "In" -> has && contains(expr.path("values"), labels.path(key).asText());
        case "NotIn" -> !has || !contains(expr.path("values"), labels.path(key).asText());
        default -> throw new IllegalArgumentException("unknown selector operator " + expr);
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static final Map<String, CelRuntime.Program> PROGRAMS = new java.util.concurrent.ConcurrentHashMap<>();

  static CelRuntime.Program compile(String expression) {
    return PROGRAMS.computeIfAbsent(expression, e -> {
      try {
        CelAbstractSyntaxTree ast = COMPILER.compile(e).getAst();
        return RUNTIME.createProgram(ast);
      } catch (CelValidationException | CelEvaluationException x) {
        throw new AssertionError("the policy's expression does not compile: " + e + "\n" + x.getMessage(), x);
      }
    });
  }

  private static Object eval(String expression, Map<String, Object> vars, String what) {
    try {
      return compile(expression).eval(vars);
    } catch (CelEvaluationException e) {
      // The API server would deny (failurePolicy Fail) with this error; no case of ours may get here.
      throw new AssertionError(what + " failed to evaluate: " + expression + "\n" + e.getMessage(), e);
    }
  }

  /** JSON as CEL values: maps, lists, strings, int64, double, bool, null. */
  static Object cel(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return com.google.protobuf.NullValue.NULL_VALUE;
    }
    if (node.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> m.put(e.getKey(), cel(e.getValue())));
      return m;
    }
    if (node.isArray()) {
      List<Object> l = new ArrayList<>();
      node.forEach(v -> l.add(cel(v)));
      return l;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    return node.asText();
  }

  private static Path repoRoot() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("deploy/protection")) && Files.isRegularFile(d.resolve("pom.xml"))) {
        return d;
      }
    }
    throw new IllegalStateException("cannot find the repository root (deploy/protection) above " + dir);
  }
}
