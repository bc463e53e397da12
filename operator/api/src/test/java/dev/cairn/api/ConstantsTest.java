package dev.cairn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConstantsTest {

  @Test
  void everyAnnotationIsUnderThePrefix() throws IllegalAccessException {
    for (Field f : Annotations.class.getFields()) {
      String value = (String) f.get(null);
      if (!f.getName().startsWith("OPERATION_") && !f.getName().equals("PREFIX")) {
        assertTrue(value.startsWith("cairn.dev/"), f.getName() + " = " + value);
      }
    }
  }

  @Test
  void selectorStringMatchesSelectorMap() {
    Map<String, String> parsed = new TreeMap<>();
    for (String pair : Labels.memberSelectorString("orders").split(",")) {
      String[] kv = pair.split("=", 2);
      parsed.put(kv[0], kv[1]);
    }
    assertEquals(new TreeMap<>(Labels.memberSelector("orders")), parsed);
  }

  @Test
  void conditionTypesAndReasonsAreCamelCase() throws IllegalAccessException {
    for (Field f : ConditionTypes.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        String value = (String) f.get(null);
        assertTrue(value.matches("[A-Z][A-Za-z]*"), f.getName() + " = " + value);
      }
    }
  }
}
