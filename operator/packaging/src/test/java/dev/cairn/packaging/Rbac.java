package dev.cairn.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules of a ClusterRole or Role, and the RBAC authorizer's decision over them: a request is
 * allowed when one rule names its API group, its resource (with subresource), its verb and, when the
 * rule lists names, its object name ({@code *} matches anything).
 */
final class Rbac {

  record Rule(List<String> apiGroups, List<String> resources, List<String> verbs, List<String> resourceNames,
      List<String> nonResourceURLs) {

    boolean allows(RequestAttributes a) {
      if (!a.isResourceRequest()) {
        return any(verbs, a.verb()) && nonResourceURLs.stream().anyMatch(u -> u.equals(a.nonResourcePath())
            || (u.endsWith("*") && a.nonResourcePath().startsWith(u.substring(0, u.length() - 1))));
      }
      return any(apiGroups, a.group()) && any(resources, a.resourceWithSub()) && any(verbs, a.verb())
          && (resourceNames.isEmpty() || (a.name() != null && resourceNames.contains(a.name())));
    }

    private static boolean any(List<String> granted, String wanted) {
      return granted.contains("*") || granted.contains(wanted);
    }

    /** Each single grant of this rule: {@code verb group resource} (names aside). */
    List<String> grants() {
      List<String> out = new ArrayList<>();
      for (String g : apiGroups) {
        for (String r : resources) {
          for (String v : verbs) {
            out.add(v + " " + (g.isEmpty() ? "core" : g) + " " + r);
          }
        }
      }
      return out;
    }
  }

  private final List<Rule> rules;

  private Rbac(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** From a (Cluster)Role as a JSON tree. */
  static Rbac of(JsonNode role) {
    List<Rule> rules = new ArrayList<>();
    for (JsonNode r : role.path("rules")) {
      rules.add(new Rule(strings(r.path("apiGroups")), strings(r.path("resources")), strings(r.path("verbs")),
          strings(r.path("resourceNames")), strings(r.path("nonResourceURLs"))));
    }
    return new Rbac(rules);
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.forEach(e -> out.add(e.asText()));
    return out;
  }

  List<Rule> rules() {
    return rules;
  }

  boolean allows(RequestAttributes a) {
    return rules.stream().anyMatch(r -> r.allows(a));
  }

  /** Every single grant ({@code verb group resource}) the rules make. */
  Set<String> grants() {
    Set<String> out = new TreeSet<>();
    rules.forEach(r -> out.addAll(r.grants()));
    return out;
  }

  /** The requests among {@code seen} these rules refuse. */
  List<RequestAttributes> refused(Collection<RequestAttributes> seen) {
    return seen.stream().filter(a -> !allows(a)).toList();
  }
}
