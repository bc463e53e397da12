package dev.cairn.agent.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.agent.restore.RestoreTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * A one-shot instruction from the operator to this member's next initialisation, kept on the data
 * volume ({@code <data-dir>/.cairn/directive.json}) so it survives agent and pod restarts and is
 * carried out once: {@code restore} (latest, a snapshot or a revision; replaces any data) or
 * {@code forceNewCluster} (start once with --force-new-cluster on this member's valid data, the
 * quorum-recovery step). The operator posts it ({@code POST /initialization/directive}), restarts the
 * etcd container, and reads the outcome ({@code GET /initialization/directive}: state pending, done
 * or failed, with a message). Its {@code id} (the task's) makes a repeated post harmless.
 */
public final class DirectiveFile {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A parsed directive. */
  public record Directive(String id, String action, String snapshot, Long revision, boolean allowTokenMismatch,
      String state, String message, Instant updated) {

    public boolean pending() {
      return "pending".equals(state);
    }

    public InitDecision.Directive toDecision() {
      if (!pending()) {
        return new InitDecision.Directive.None();
      }
      return switch (action) {
        case "restore" -> new InitDecision.Directive.Restore(RestoreTarget.of(snapshot, revision), allowTokenMismatch);
        case "forceNewCluster" -> new InitDecision.Directive.ForceNewCluster();
        default -> new InitDecision.Directive.None();
      };
    }

    public ObjectNode toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("id", id);
      n.put("action", action);
      if (snapshot != null) {
        n.put("snapshot", snapshot);
      }
      if (revision != null) {
        n.put("revision", revision);
      }
      n.put("allowTokenMismatch", allowTokenMismatch);
      n.put("state", state);
      if (message != null) {
        n.put("message", message);
      }
      n.put("updated", updated.toString());
      return n;
    }

    Directive with(String newState, String newMessage) {
      return new Directive(id, action, snapshot, revision, allowTokenMismatch, newState, newMessage, Instant.now());
    }
  }

  private final Path file;
  /** Ids of the bootstrap directives already adopted, one a line: each is carried out once. */
  private final Path adopted;

  public DirectiveFile(Path dataDir) {
    this.file = dataDir.resolve(".cairn").resolve("directive.json");
    this.adopted = dataDir.resolve(".cairn").resolve("bootstrap-adopted");
  }

  /**
   * Parses the controller's bootstrap directive (ConfigMap {@code <etcd>-bootstrap}, key
   * {@code directive.json}, mounted into every member pod): {@code {"id": "<task uid>", "action":
   * "ForceNewCluster" | "RestoreFromStore", "member": "<pod name>", "snapshot": ..., "revision": ...,
   * "allowTokenMismatch": false}}. Answers the directive in this file's vocabulary (forceNewCluster,
   * restore), or null when it names another member.
   */
  public static Directive parseBootstrap(byte[] body, String podName) throws IOException {
    JsonNode n = JSON.readTree(body);
    if (n == null || !n.isObject()) {
      throw new IOException("a bootstrap directive is a JSON object with id, action and member");
    }
    String member = n.path("member").asText("");
    if (member.isBlank()) {
      throw new IOException("the bootstrap directive names no member: expected \"member\": \"<pod name>\"");
    }
    if (!member.equals(podName)) {
      return null;
    }
    String action = n.path("action").asText("");
    ObjectNode ours = n.deepCopy();
    ours.remove("member");
    ours.put("action", switch (action) {
      case "ForceNewCluster" -> "forceNewCluster";
      case "RestoreFromStore" -> "restore";
      default -> throw new IOException("unknown bootstrap directive action '" + action
          + "': use ForceNewCluster or RestoreFromStore");
    });
    return parse(JSON.writeValueAsBytes(ours));
  }

  /**
   * Adopts the bootstrap directive in {@code bootstrapFile} (absent: nothing to do) as this member's
   * directive, once per id: the ConfigMap stays until the task finishes, and a later restart must not
   * carry out the same restore or force-new-cluster again. Answers the adopted directive, else null.
   */
  public synchronized Directive adoptBootstrap(Path bootstrapFile, String podName) throws IOException {
    if (bootstrapFile == null || !Files.isRegularFile(bootstrapFile)) {
      return null;
    }
    Directive d = parseBootstrap(Files.readAllBytes(bootstrapFile), podName);
    if (d == null) {
      return null;
    }
    if (Files.exists(adopted) && Files.readAllLines(adopted).contains(d.id())) {
      return null;
    }
    Directive stored = submit(d);
    Files.createDirectories(adopted.getParent());
    Files.writeString(adopted, d.id() + "\n", java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    return stored;
  }

  /**
   * Parses what the operator posted: {@code {"id": "...", "action": "restore", "snapshot": "...",
   * "revision": 123, "allowTokenMismatch": false}} or {@code {"id": "...", "action": "forceNewCluster"}}.
   */
  public static Directive parse(byte[] body) throws IOException {
    JsonNode n = JSON.readTree(body);
    if (n == null || !n.isObject()) {
      throw new IOException("a directive is a JSON object with id and action");
    }
    String id = n.path("id").asText("");
    String action = n.path("action").asText("");
    if (id.isBlank()) {
      throw new IOException("a directive needs an id (the task's), so that a repeated request is carried out once");
    }
    if (!action.equals("restore") && !action.equals("forceNewCluster")) {
      throw new IOException("unknown directive action '" + action + "': use restore or forceNewCluster");
    }
    String snapshot = n.hasNonNull("snapshot") ? n.get("snapshot").asText() : null;
    Long revision = n.hasNonNull("revision") ? n.get("revision").asLong() : null;
    try {
      if (action.equals("restore")) {
        RestoreTarget.of(snapshot, revision);
      } else if (snapshot != null || revision != null) {
        throw new IllegalArgumentException("forceNewCluster takes no snapshot or revision");
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid directive: " + e.getMessage(), e);
    }
    return new Directive(id, action, snapshot, revision, n.path("allowTokenMismatch").asBoolean(false), "pending",
        null, Instant.now());
  }

  /**
   * The stored directive when it came from {@code bootstrapFile}, which still names this member, and
   * it failed; else null. Such a member must not start on its old data: the task that wrote the file
   * waits for it to become ready, and would take an old member for a restored or recovered one.
   */
  public synchronized Directive failedBootstrap(Path bootstrapFile, String podName) throws IOException {
    if (bootstrapFile == null || !Files.isRegularFile(bootstrapFile)) {
      return null;
    }
    Directive d = parseBootstrap(Files.readAllBytes(bootstrapFile), podName);
    Directive stored = read();
    return d != null && stored != null && stored.id().equals(d.id()) && "failed".equals(stored.state()) ? stored : null;
  }

  /** The directive on the volume, or null. */
  public synchronized Directive read() throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    JsonNode n = JSON.readTree(Files.readAllBytes(file));
    return new Directive(n.path("id").asText(), n.path("action").asText(),
        n.hasNonNull("snapshot") ? n.get("snapshot").asText() : null,
        n.hasNonNull("revision") ? n.get("revision").asLong() : null, n.path("allowTokenMismatch").asBoolean(false),
        n.path("state").asText("pending"), n.hasNonNull("message") ? n.get("message").asText() : null,
        n.hasNonNull("updated") ? Instant.parse(n.get("updated").asText()) : Instant.now());
  }

  /** Stores a new directive; the same id again keeps the existing one (and its outcome). */
  public synchronized Directive submit(Directive d) throws IOException {
    Directive existing = read();
    if (existing != null && existing.id().equals(d.id())) {
      return existing;
    }
    write(d);
    return d;
  }

  public synchronized void finish(Directive d, boolean ok, String message) throws IOException {
    write(d.with(ok ? "done" : "failed", message));
  }

  private void write(Directive d) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(d.toJson()));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
