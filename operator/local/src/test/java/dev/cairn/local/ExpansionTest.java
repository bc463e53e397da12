package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpansionTest {

  private static final Map<String, String> VARS = Map.of("POD_IP", "127.1.0.2", "NAME", "etcd-0");

  @Test
  void expandsDefinedVariablesOnly() {
    assertEquals("http://127.1.0.2:2379", Expansion.expand("http://$(POD_IP):2379", VARS));
    assertEquals("etcd-0=127.1.0.2", Expansion.expand("$(NAME)=$(POD_IP)", VARS));
    assertEquals("$(MISSING)/x", Expansion.expand("$(MISSING)/x", VARS));
  }

  @Test
  void followsKubernetesEscapes() {
    assertEquals("$(POD_IP)", Expansion.expand("$$(POD_IP)", VARS));
    assertEquals("a$b", Expansion.expand("a$b", VARS));
    assertEquals("cost $", Expansion.expand("cost $", VARS));
    assertEquals("$(unterminated", Expansion.expand("$(unterminated", VARS));
    assertEquals("${POD_IP}", Expansion.expand("${POD_IP}", VARS), "no shell syntax");
  }
}
