package dev.cairn.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The server-side tables ({@code meta.k8s.io/v1 Table}) kubectl asks for on {@code get}: without
 * them it prints only NAME and AGE. Columns follow kubectl's usual ones for the built-in kinds local
 * mode shows (pods with READY, STATUS, RESTARTS ...) and the CRDs' {@code additionalPrinterColumns}.
 */
final class Tables {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A column; {@code priority} 1 shows only with {@code -o wide}. */
  record Column(String name, String type, int priority, String jsonPath) {}

  private Tables() {}

  /** The columns of a kind: the CRD's printer columns, a known built-in set, or NAME and AGE. */
  static List<Column> columns(ApiResource r) {
    List<Column> cols = new ArrayList<>();
    cols.add(new Column("Name", "string", 0, null));
    if (!r.printerColumns().isEmpty()) {
      cols.addAll(r.printerColumns());
      if (cols.stream().noneMatch(c -> c.name().equals("Age"))) {
        cols.add(new Column("Age", "date", 0, ".metadata.creationTimestamp"));
      }
      return cols;
    }
    switch (r.kind()) {
      case "Pod" -> cols.addAll(List.of(new Column("Ready", "string", 0, null), new Column("Status", "string", 0, null),
          new Column("Restarts", "integer", 0, null), new Column("Age", "date", 0, ".metadata.creationTimestamp"),
          new Column("IP", "string", 1, ".status.podIP"), new Column("Node", "string", 1, ".spec.nodeName")));
      case "StatefulSet" -> cols.addAll(List.of(new Column("Ready", "string", 0, null),
          new Column("Age", "date", 0, ".metadata.creationTimestamp")));
      case "PersistentVolumeClaim" -> cols.addAll(List.of(new Column("Status", "string", 0, ".status.phase"),
          new Column("Capacity", "string", 0, ".status.capacity.storage"),
          new Column("Access Modes", "string", 0, null), new Column("Age", "date", 0, ".metadata.creationTimestamp")));
      case "Service" -> cols.addAll(List.of(new Column("Type", "string", 0, ".spec.type"),
          new Column("Cluster-IP", "string", 0, ".spec.clusterIP"), new Column("Ports", "string", 0, null),
          new Column("Age", "date", 0, ".metadata.creationTimestamp")));
      case "Lease" -> cols.addAll(List.of(new Column("Holder", "string", 0, ".spec.holderIdentity"),
          new Column("Age", "date", 0, ".metadata.creationTimestamp")));
      case "ConfigMap" -> cols.addAll(List.of(new Column("Data", "integer", 0, null),
          new Column("Age", "date", 0, ".metadata.creationTimestamp")));
      case "Secret" -> cols.addAll(List.of(new Column("Type", "string", 0, ".type"), new Column("Data", "integer", 0, null),
          new Column("Age", "date", 0, ".metadata.creationTimestamp")));
      case "Node", "Namespace" -> cols.addAll(List.of(new Column("Status", "string", 0, null),
          new Column("Age", "date", 0, ".metadata.creationTimestamp")));
      default -> cols.add(new Column("Age", "date", 0, ".metadata.creationTimestamp"));
    }
    return cols;
  }

  /** A Table for a list (or a single object), rows sorted by namespace and name like a real server. */
  static String table(ApiResource r, JsonNode body, Instant now) {
    List<JsonNode> items = new ArrayList<>();
    if (body.has("items")) {
      body.get("items").forEach(items::add);
    } else {
      items.add(body);
    }
    items.sort(Comparator.comparing((JsonNode i) -> i.path("metadata").path("namespace").asText(""))
        .thenComparing(i -> i.path("metadata").path("name").asText("")));
    List<Column> cols = columns(r);
    ObjectNode t = JSON.createObjectNode();
    t.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = t.putObject("metadata");
    if (body.path("metadata").has("resourceVersion")) {
      meta.put("resourceVersion", body.path("metadata").path("resourceVersion").asText());
    }
    ArrayNode defs = t.putArray("columnDefinitions");
    for (Column c : cols) {
      defs.addObject().put("name", c.name()).put("type", c.type().equals("date") ? "string" : c.type())
          .put("format", c.name().equals("Name") ? "name" : "").put("description", "").put("priority", c.priority());
    }
    ArrayNode rows = t.putArray("rows");
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : cols) {
        cells.add(cell(r.kind(), c, item, now));
      }
      ObjectNode obj = row.putObject("object");
      obj.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
      obj.set("metadata", item.path("metadata").deepCopy());
    }
    return t.toString();
  }

  private static JsonNode cell(String kind, Column c, JsonNode item, Instant now) {
    if (c.name().equals("Name")) {
      return JSON.getNodeFactory().textNode(item.path("metadata").path("name").asText());
    }
    if (c.type().equals("date")) {
      String ts = join(JsonPaths.values(item, c.jsonPath()));
      return JSON.getNodeFactory().textNode(ts.isEmpty() ? "<unknown>" : age(Instant.parse(ts), now));
    }
    if (c.jsonPath() != null) {
      List<JsonNode> values = JsonPaths.values(item, c.jsonPath());
      if (c.type().equals("integer") && values.size() == 1 && values.get(0).canConvertToLong()) {
        return JSON.getNodeFactory().numberNode(values.get(0).asLong());
      }
      return JSON.getNodeFactory().textNode(values.isEmpty() ? "" : join(values));
    }
    return switch (kind + "/" + c.name()) {
      case "Pod/Ready" -> text(podReady(item));
      case "Pod/Status" -> text(podStatus(item));
      case "Pod/Restarts" -> JSON.getNodeFactory().numberNode(restarts(item));
      case "StatefulSet/Ready" -> text(item.path("status").path("readyReplicas").asInt(0) + "/"
          + item.path("spec").path("replicas").asInt(1));
      case "PersistentVolumeClaim/Access Modes" -> text(accessModes(item.path("status").path("accessModes")));
      case "Service/Ports" -> text(ports(item.path("spec").path("ports")));
      case "ConfigMap/Data" -> JSON.getNodeFactory().numberNode(item.path("data").size() + item.path("binaryData").size());
      case "Secret/Data" -> JSON.getNodeFactory().numberNode(item.path("data").size() + item.path("stringData").size());
      case "Node/Status" -> text(nodeStatus(item));
      case "Namespace/Status" -> text(item.path("status").path("phase").asText("Active"));
      default -> text("");
    };
  }

  private static JsonNode text(String s) {
    return JSON.getNodeFactory().textNode(s);
  }

  private static String join(List<JsonNode> values) {
    List<String> parts = new ArrayList<>();
    for (JsonNode v : values) {
      parts.add(v.isValueNode() ? v.asText() : v.toString());
    }
    return String.join(",", parts);
  }

  private static String podReady(JsonNode pod) {
    int total = pod.path("spec").path("containers").size();
    int ready = 0;
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      if (s.path("ready").asBoolean(false)) {
        ready++;
      }
    }
    return ready + "/" + total;
  }

  private static int restarts(JsonNode pod) {
    int n = 0;
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      n += s.path("restartCount").asInt(0);
    }
    return n;
  }

  /** kubectl's STATUS: a waiting or terminated reason beats the phase; Init:x/y while initialising. */
  static String podStatus(JsonNode pod) {
    if (pod.path("metadata").has("deletionTimestamp")) {
      return "Terminating";
    }
    String reason = pod.path("status").path("reason").asText(pod.path("status").path("phase").asText("Pending"));
    JsonNode inits = pod.path("status").path("initContainerStatuses");
    int n = 0;
    for (JsonNode s : inits) {
      JsonNode term = s.path("state").path("terminated");
      JsonNode wait = s.path("state").path("waiting");
      if (!term.isMissingNode() && term.path("exitCode").asInt(0) == 0) {
        n++;
        continue;
      }
      if (!term.isMissingNode()) {
        return "Init:" + term.path("reason").asText("ExitCode:" + term.path("exitCode").asInt());
      }
      if (!wait.isMissingNode() && !wait.path("reason").asText("").isEmpty()
          && !wait.path("reason").asText().equals("PodInitializing")) {
        return "Init:" + wait.path("reason").asText();
      }
      return "Init:" + n + "/" + pod.path("spec").path("initContainers").size();
    }
    boolean running = false;
    List<JsonNode> statuses = new ArrayList<>();
    pod.path("status").path("containerStatuses").forEach(statuses::add);
    for (int i = statuses.size() - 1; i >= 0; i--) {
      JsonNode st = statuses.get(i).path("state");
      if (st.has("waiting") && !st.path("waiting").path("reason").asText("").isEmpty()) {
        reason = st.path("waiting").path("reason").asText();
      } else if (st.has("terminated")) {
        JsonNode term = st.path("terminated");
        reason = term.path("reason").asText("ExitCode:" + term.path("exitCode").asInt());
      } else if (st.has("running") && statuses.get(i).path("ready").asBoolean(false)) {
        running = true;
      }
    }
    if (reason.equals("Completed") && running) {
      reason = "Running";
    }
    return reason;
  }

  private static String accessModes(JsonNode modes) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : modes) {
      out.add(switch (m.asText()) {
        case "ReadWriteOnce" -> "RWO";
        case "ReadOnlyMany" -> "ROX";
        case "ReadWriteMany" -> "RWX";
        case "ReadWriteOncePod" -> "RWOP";
        default -> m.asText();
      });
    }
    return String.join(",", out);
  }

  private static String ports(JsonNode ports) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : ports) {
      out.add(p.path("port").asInt() + "/" + p.path("protocol").asText("TCP"));
    }
    return out.isEmpty() ? "<none>" : String.join(",", out);
  }

  private static String nodeStatus(JsonNode node) {
    for (JsonNode c : node.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) {
        return c.path("status").asText().equals("True") ? "Ready" : "NotReady";
      }
    }
    return "Unknown";
  }

  /** Kubernetes' human duration: 45s, 3m20s, 25m, 5h10m, 3d4h, 400d ... */
  static String age(Instant since, Instant now) {
    long s = Duration.between(since, now).getSeconds();
    if (s < -1) {
      return "<invalid>";
    }
    if (s < 0) {
      s = 0;
    }
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
    }
    if (h < 48) {
      return h + "h";
    }
    if (h < 24 * 8) {
      return h % 24 == 0 ? (h / 24) + "d" : (h / 24) + "d" + (h % 24) + "h";
    }
    if (h < 24 * 365 * 2) {
      return (h / 24) + "d";
    }
    if (h < 24 * 365 * 8) {
      long dy = (h / 24) % 365;
      return dy == 0 ? (h / 24 / 365) + "y" : (h / 24 / 365) + "y" + dy + "d";
    }
    return (h / 24 / 365) + "y";
  }

  /** Sorts a list body's items by namespace and name, as a real server returns them. */
  static void sortItems(JsonNode body) {
    if (!(body.get("items") instanceof ArrayNode items) || items.size() < 2) {
      return;
    }
    List<JsonNode> sorted = new ArrayList<>();
    items.forEach(sorted::add);
    sorted.sort(Comparator.comparing((JsonNode i) -> i.path("metadata").path("namespace").asText(""))
        .thenComparing(i -> i.path("metadata").path("name").asText("")));
    items.removeAll();
    sorted.forEach(items::add);
  }

  /** The subset of JSONPath that CRD printer columns use: fields, [n], [*] and [?(@.k=="v")]. */
  static final class JsonPaths {

    private JsonPaths() {}

    static List<JsonNode> values(JsonNode root, String path) {
      List<JsonNode> current = new ArrayList<>(List.of(root));
      String p = path.trim();
      if (p.startsWith("{") && p.endsWith("}")) {
        p = p.substring(1, p.length() - 1);
      }
      int i = 0;
      while (i < p.length() && !current.isEmpty()) {
        char c = p.charAt(i);
        if (c == '.') {
          int end = i + 1;
          while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
            end++;
          }
          String field = p.substring(i + 1, end);
          List<JsonNode> next = new ArrayList<>();
          for (JsonNode n : current) {
            JsonNode v = n.get(field);
            if (v != null && !v.isNull()) {
              next.add(v);
            }
          }
          current = next;
          i = end;
        } else if (c == '[') {
          int end = p.indexOf(']', i);
          if (end < 0) {
            return List.of();
          }
          String sel = p.substring(i + 1, end);
          current = select(current, sel);
          i = end + 1;
        } else {
          return List.of();
        }
      }
      return current;
    }

    private static List<JsonNode> select(List<JsonNode> nodes, String sel) {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode n : nodes) {
        if (!n.isArray()) {
          continue;
        }
        if (sel.equals("*")) {
          n.forEach(out::add);
        } else if (sel.startsWith("?(@.") && sel.endsWith(")")) {
          String expr = sel.substring(4, sel.length() - 1);
          int eq = expr.indexOf("==");
          if (eq < 0) {
            continue;
          }
          String field = expr.substring(0, eq).trim();
          String want = expr.substring(eq + 2).trim();
          if ((want.startsWith("\"") && want.endsWith("\"")) || (want.startsWith("'") && want.endsWith("'"))) {
            want = want.substring(1, want.length() - 1);
          }
          for (JsonNode e : n) {
            List<JsonNode> v = values(e, "." + field);
            if (!v.isEmpty() && v.get(0).asText().equals(want)) {
              out.add(e);
            }
          }
        } else if (sel.chars().allMatch(Character::isDigit) && !sel.isEmpty()) {
          JsonNode e = n.get(Integer.parseInt(sel));
          if (e != null) {
            out.add(e);
          }
        }
      }
      return out;
    }
  }
}
