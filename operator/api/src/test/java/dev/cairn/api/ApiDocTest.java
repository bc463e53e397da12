package dev.cairn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.api.schema.CrdValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/api.md names every field of every kind and quotes every validation rule's message. */
class ApiDocTest {

  private static final Set<String> CORE_TYPES =
      Set.of("affinity", "tolerations", "topologySpreadConstraints", "resources", "conditions");

  @Test
  void everyFieldAndRuleIsDocumented() throws IOException {
    String doc = Files.readString(RepoPaths.root().resolve("docs/api.md"));
    List<String> missing = new ArrayList<>();
    for (String name : CrdFiles.NAMES) {
      JsonNode schema = CrdValidator.openApiSchema(CrdFiles.read(name));
      collect("", schema, doc, missing);
    }
    assertEquals(List.of(), missing,
        "docs/api.md is missing these fields (as `path`) or rule messages; update its tables and rules list");
  }

  private static void collect(String path, JsonNode schema, String doc, List<String> missing) {
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String message = rule.path("message").asText();
      if (!doc.contains(message.replace("|", "\\|"))) {
        missing.add("rule message: " + message);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      String child = path.isEmpty() ? p.getKey() : path + "." + p.getKey();
      if (!doc.contains("`" + child + "`")) {
        missing.add(child);
      }
      if (!CORE_TYPES.contains(p.getKey())) {
        JsonNode node = p.getValue().has("items") ? p.getValue().get("items") : p.getValue();
        collect(p.getValue().has("items") ? child + "[]" : child, node, doc, missing);
      }
    }
  }
}
