package dev.cairn.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks of the restricted Pod Security Standard that cairn promises for every container it runs:
 * non-root, read-only root file system, no privilege escalation, every capability dropped (and none
 * added), not privileged, a RuntimeDefault or Localhost seccomp profile, no host namespaces. Returns
 * the violations, each naming the container and the field.
 */
final class PodSecurity {

  private PodSecurity() {}

  static List<String> violations(String where, JsonNode podSpec) {
    List<String> out = new ArrayList<>();
    JsonNode pod = podSpec.path("securityContext");
    for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (podSpec.path(host).asBoolean(false)) {
        out.add(where + ": " + host + " is true");
      }
    }
    List<JsonNode> containers = new ArrayList<>();
    podSpec.path("initContainers").forEach(containers::add);
    podSpec.path("containers").forEach(containers::add);
    if (containers.isEmpty()) {
      out.add(where + ": no containers");
    }
    for (JsonNode c : containers) {
      String at = where + " container " + c.path("name").asText();
      JsonNode sc = c.path("securityContext");
      boolean nonRoot = sc.has("runAsNonRoot") ? sc.path("runAsNonRoot").asBoolean() : pod.path("runAsNonRoot").asBoolean(false);
      if (!nonRoot) {
        out.add(at + ": runAsNonRoot is not true");
      }
      long uid = sc.has("runAsUser") ? sc.path("runAsUser").asLong() : pod.path("runAsUser").asLong(-1);
      if (uid == 0) {
        out.add(at + ": runAsUser is 0");
      }
      if (!sc.path("readOnlyRootFilesystem").asBoolean(false)) {
        out.add(at + ": readOnlyRootFilesystem is not true");
      }
      if (!sc.has("allowPrivilegeEscalation") || sc.path("allowPrivilegeEscalation").asBoolean(true)) {
        out.add(at + ": allowPrivilegeEscalation is not false");
      }
      if (sc.path("privileged").asBoolean(false)) {
        out.add(at + ": privileged");
      }
      List<String> drop = new ArrayList<>();
      sc.path("capabilities").path("drop").forEach(d -> drop.add(d.asText()));
      if (!drop.contains("ALL")) {
        out.add(at + ": capabilities.drop does not hold ALL (" + drop + ")");
      }
      if (sc.path("capabilities").path("add").size() > 0) {
        out.add(at + ": capabilities.add " + sc.path("capabilities").path("add"));
      }
      String seccomp = sc.path("seccompProfile").path("type").asText(pod.path("seccompProfile").path("type").asText(""));
      if (!seccomp.equals("RuntimeDefault") && !seccomp.equals("Localhost")) {
        out.add(at + ": seccompProfile is '" + seccomp + "', not RuntimeDefault or Localhost");
      }
    }
    return out;
  }
}
