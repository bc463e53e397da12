package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.agent.inspect.StoreInspector;
import dev.cairn.agent.restore.TimelineArchiver;
import dev.cairn.agent.restore.TokenPreflight;
import dev.cairn.agent.snapshot.EncryptionKey;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.store.StoredObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn store}: looks at a backup store the way cairn reads it, for people on call: which
 * snapshots and archives it holds, what one snapshot's metadata says, and whether objects and chains
 * would restore, without restoring anything. Only {@code archive-remove} changes the store.
 */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    description = "Inspect a backup store: list, inspect, verify snapshots; remove a restore's archive.",
    subcommands = {StoreCommand.ListCommand.class, StoreCommand.InspectCommand.class,
        StoreCommand.VerifyCommand.class, StoreCommand.ArchiveRemoveCommand.class})
final class StoreCommand implements Runnable {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list, inspect, verify or"
        + " archive-remove.");
  }

  /** The store, as {@code cairn restore} and {@code cairn snapshot} take it. */
  static final class StoreAccess {
    @Option(names = "--store", required = true, paramLabel = "URL",
        description = "Backup store: s3://bucket/prefix?endpoint=URL&region=R[&pathStyle=true&ca=PEM] or file:///dir.")
    String store;

    @Option(names = "--store-credentials-dir", paramLabel = "DIR",
        description = "Mounted Secret with accessKeyID and secretAccessKey (and sessionToken). Default: AWS_* variables.")
    Path storeCredentialsDir;

    /** Opens and checks the store; a bad URL is a usage error, an unreachable store exit 2. */
    BackupStore open(CommandLine cl) throws Unavailable {
      StoreUrl url;
      try {
        url = StoreUrl.parse(store);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cl, "--store: " + e.getMessage());
      }
      BackupStore s;
      try {
        s = url.open(storeCredentialsDir, System.getenv());
      } catch (IOException | IllegalArgumentException e) {
        throw new Unavailable(e.getMessage());
      }
      try {
        s.check();
      } catch (IOException e) {
        s.close();
        throw new Unavailable("the backup store " + s.describe() + " does not answer: " + e.getMessage());
      }
      return s;
    }
  }

  /** The store cannot be opened or read: exit 2 with the message. */
  static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message);
    }
  }

  /** Runs a subcommand body with the shared exit codes: 2 for an unavailable store, 1 for a refusal. */
  abstract static class Sub implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin StoreAccess access;

    abstract String label();

    abstract int run(BackupStore store, PrintWriter out, PrintWriter err) throws Exception;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      PrintWriter out = spec.commandLine().getOut();
      try (BackupStore store = access.open(spec.commandLine())) {
        return run(store, out, err);
      } catch (Unavailable | IOException e) {
        err.println("cairn store " + label() + ": " + e.getMessage());
        return 2;
      } catch (StoreInspector.Refused e) {
        err.println("cairn store " + label() + ": " + e.getMessage());
        return 1;
      } finally {
        out.flush();
        err.flush();
      }
    }

    static String token(Path tokenFile) throws IOException {
      if (tokenFile == null) {
        return null;
      }
      String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      if (t.isEmpty()) {
        throw new IOException("backup token file " + tokenFile + " is empty");
      }
      return t;
    }

    void checkOutput(String output) {
      if (!output.equals("text") && !output.equals("json")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "-o/--output must be text or json, not '"
            + output + "'.");
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"List the live snapshots in revision order (the newest chain marked *), or with --archive the"
          + " archive folders of restores and their records.",
          "Reads every metadata file (for key ids and problems); objects without one are listed apart."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:listed", "1:some metadata files are unusable (listed with the reason)",
          "2:bad flags, or the store unavailable"})
  static final class ListCommand extends Sub {
    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
        description = "Output format (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--archive", description = "List the archive/ folders (restores to an older point) instead.")
    boolean archive;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "8",
        description = "Metadata files read at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Override
    String label() {
      return "list";
    }

    @Override
    int run(BackupStore store, PrintWriter out, PrintWriter err) throws Exception {
      checkOutput(output);
      StoreInspector inspector = new StoreInspector(store);
      if (archive) {
        List<StoreInspector.Archive> archives = inspector.archives();
        if (output.equals("json")) {
          ArrayNode a = JSON.createArrayNode();
          archives.forEach(x -> a.add(archiveJson(x)));
          ObjectNode doc = JSON.createObjectNode();
          doc.put("store", store.describe());
          doc.set("archives", a);
          out.println(JSON.writeValueAsString(doc));
        } else {
          printArchives(store, archives, out);
        }
        return 0;
      }
      StoreInspector.Listing l = inspector.list(parallelism);
      if (output.equals("json")) {
        out.println(JSON.writeValueAsString(listingJson(store, l)));
      } else {
        printListing(store, l, out);
      }
      return l.rows().stream().anyMatch(r -> r.problem() != null) ? 1 : 0;
    }
  }

  static ObjectNode listingJson(BackupStore store, StoreInspector.Listing l) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("store", store.describe());
    ArrayNode rows = doc.putArray("snapshots");
    for (StoreInspector.Row r : l.rows()) {
      ObjectNode n = rows.addObject();
      SnapshotCatalog.Entry e = r.entry();
      n.put("object", e.object().name());
      n.put("metadataFile", e.metadata().name());
      n.put("kind", e.kind().apiName());
      n.put("startRevision", e.startRevision());
      n.put("endRevision", e.endRevision());
      n.put("createdAt", e.created().toString());
      n.put("size", e.object().size());
      n.put("compression", e.name().compression().apiName());
      n.put("encrypted", e.name().encrypted());
      n.put("encryptionKeyId", r.metadata() == null ? null : r.metadata().encryptionKeyId());
      n.put("member", r.metadata() == null ? null : r.metadata().member());
      n.put("tokenHash", r.metadata() == null ? null : r.metadata().tokenHash());
      n.put("newestChain", r.newestChain());
      n.put("problem", r.problem());
    }
    ArrayNode without = doc.putArray("withoutMetadata");
    l.withoutMetadata().forEach(o -> without.add(o.name()));
    ArrayNode orphans = doc.putArray("orphanMetadata");
    l.orphanMetadata().forEach(o -> orphans.add(o.name()));
    return doc;
  }

  static void printListing(BackupStore store, StoreInspector.Listing l, PrintWriter out) {
    List<StoreInspector.Row> chain = l.rows().stream().filter(StoreInspector.Row::newestChain).toList();
    out.println(store.describe() + ": " + l.rows().size() + " snapshot(s)" + (chain.isEmpty()
        ? ", no full snapshot (nothing to restore from)"
        : "; newest chain (*): full snapshot at revision " + chain.get(0).entry().endRevision() + " + "
            + (chain.size() - 1) + " delta(s) to revision " + chain.get(chain.size() - 1).entry().endRevision()));
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"", "NAME", "KIND", "START", "END", "CREATED", "SIZE", "COMPRESSION", "KEY"});
    for (StoreInspector.Row r : l.rows()) {
      SnapshotCatalog.Entry e = r.entry();
      String key = !e.name().encrypted() ? "-" : r.metadata() == null ? "?" : r.metadata().encryptionKeyId();
      table.add(new String[] {r.newestChain() ? "*" : "", e.object().name(), e.kind().token(),
          Long.toString(e.startRevision()), Long.toString(e.endRevision()), e.created().toString(),
          Long.toString(e.object().size()), e.name().compression().apiName().toLowerCase(), key});
    }
    printTable(table, out);
    for (StoreInspector.Row r : l.rows()) {
      if (r.problem() != null) {
        out.println("PROBLEM " + r.entry().object().name() + ": " + r.problem());
      }
    }
    for (StoredObject o : l.withoutMetadata()) {
      out.println("without metadata (an incomplete upload; no restore uses it): " + o.name() + " (" + o.size()
          + " bytes)");
    }
    for (StoredObject o : l.orphanMetadata()) {
      out.println("metadata without its object (the snapshot is gone): " + o.name());
    }
  }

  static ObjectNode archiveJson(StoreInspector.Archive a) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", a.id());
    n.put("files", a.files().size());
    n.put("snapshots", a.snapshots());
    n.put("bytes", a.bytes());
    TimelineArchiver.Record r = a.record();
    if (r != null) {
      ObjectNode rec = n.putObject("record");
      rec.put("state", r.state());
      rec.put("revision", r.revision());
      rec.put("target", r.target());
      rec.put("startedAt", r.startedAt().toString());
      ArrayNode moved = rec.putArray("moved");
      r.moved().forEach(moved::add);
      rec.put("trimmed", r.trimmed());
      rec.put("newestFullAfter", r.newestFullAfter());
    } else {
      n.putNull("record");
    }
    n.put("problem", a.recordProblem());
    return n;
  }

  static void printArchives(BackupStore store, List<StoreInspector.Archive> archives, PrintWriter out) {
    out.println(store.describe() + ": " + archives.size() + " archive(s) of restores to an older point"
        + " (never read by restores; collected only by an agent with --archive-retention)");
    if (archives.isEmpty()) {
      return;
    }
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"ARCHIVE", "STATE", "REVISION", "STARTED", "TARGET", "SNAPSHOTS", "FILES", "BYTES"});
    for (StoreInspector.Archive a : archives) {
      TimelineArchiver.Record r = a.record();
      table.add(new String[] {a.id(), r == null ? "?" : r.state(), r == null ? "?" : Long.toString(r.revision()),
          r == null ? "?" : r.startedAt().toString(), r == null ? "?" : r.target(), Long.toString(a.snapshots()),
          Integer.toString(a.files().size()), Long.toString(a.bytes())});
    }
    printTable(table, out);
    for (StoreInspector.Archive a : archives) {
      if (a.recordProblem() != null) {
        out.println("archive " + a.id() + ": " + a.recordProblem());
      }
    }
  }

  static void printTable(List<String[]> rows, PrintWriter out) {
    int[] w = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        if (i > 0) {
          b.append("  ");
        }
        b.append(i == r.length - 1 ? r[i] : String.format("%-" + w[i] + "s", r[i]));
      }
      out.println(b.toString().stripTrailing());
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = {"Print one snapshot's metadata file as stored, its object's user metadata (S3) and the token"
          + " hash it carries; with --token-file, whether that token matches (the token is never printed)."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:printed (and the token matches, when given)",
          "1:no such snapshot, its metadata is unusable, or the given token does not match (or it has no hash)",
          "2:bad flags, or the store unavailable"})
  static final class InspectCommand extends Sub {
    @Parameters(index = "0", paramLabel = "NAME", description = "Object name, base name or metadata file name.")
    String name;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "A backup token (Secret key \"token\") to check against the snapshot's token hash.")
    Path tokenFile;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
        description = "Output format (default: ${DEFAULT-VALUE}).")
    String output;

    @Override
    String label() {
      return "inspect";
    }

    @Override
    int run(BackupStore store, PrintWriter out, PrintWriter err) throws Exception {
      checkOutput(output);
      StoreInspector.Inspection in = new StoreInspector(store).inspect(name, token(tokenFile));
      SnapshotMetadata m = in.metadata();
      String verdict = switch (in.token()) {
        case NO_HASH -> "it records no token hash: it was taken without a backup token"
            + (tokenFile == null ? "" : ", so a restore with --token-file " + tokenFile + " refuses it");
        case NOT_CHECKED -> m == null ? "not checked: the metadata file is unusable"
            : "not checked; give --token-file FILE to check a token against it (hashes are salted: two hashes of"
                + " one token never look alike)";
        case MATCHES -> "the token in " + tokenFile + " matches this hash";
        case DIFFERS -> "the token in " + tokenFile + " does NOT match this hash: the snapshot was taken with"
            + " another token (another cluster, or before a rotation); a restore with this token refuses it";
      };
      if (output.equals("json")) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("store", store.describe());
        doc.put("object", in.entry().object().name());
        doc.put("objectSize", in.entry().object().size());
        doc.put("objectLastModified", in.entry().object().lastModified().toString());
        doc.put("metadataFile", in.entry().metadata().name());
        try {
          doc.set("metadata", JSON.readTree(in.metadataFile()));
        } catch (IOException e) {
          doc.put("metadataText", new String(in.metadataFile(), StandardCharsets.UTF_8));
        }
        doc.put("metadataProblem", in.metadataProblem());
        ObjectNode user = doc.putObject("userMetadata");
        in.userMetadata().forEach(user::put);
        ArrayNode dis = doc.putArray("userMetadataDisagrees");
        in.userMetadataDisagrees().forEach(dis::add);
        doc.put("tokenHash", m == null ? null : m.tokenHash());
        doc.put("token", in.token().name());
        doc.put("tokenVerdict", verdict);
        out.println(JSON.writeValueAsString(doc));
      } else {
        out.println("snapshot " + in.entry().object().name() + " in " + store.describe());
        out.println("object: " + in.entry().object().size() + " bytes, last modified "
            + in.entry().object().lastModified());
        out.println("metadata file " + in.entry().metadata().name() + " (" + in.metadataFile().length + " bytes):");
        String text = new String(in.metadataFile(), StandardCharsets.UTF_8);
        out.println(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
        if (in.metadataProblem() != null) {
          out.println("PROBLEM: " + in.metadataProblem());
        }
        if (in.userMetadata().isEmpty()) {
          out.println("user metadata: none (" + (store.describe().startsWith("file:")
              ? "a directory store keeps none" : "the object carries none") + ")");
        } else {
          out.println("user metadata (x-amz-meta-*):");
          in.userMetadata().forEach((k, v) -> out.println("  " + k + ": " + v));
          out.println(in.userMetadataDisagrees().isEmpty() ? "  (agrees with the metadata file)"
              : "  DISAGREES with the metadata file on: " + String.join(", ", in.userMetadataDisagrees()));
        }
        out.println("token hash: " + (m == null || m.tokenHash() == null ? "(none)" : m.tokenHash()));
        out.println("token: " + verdict);
      }
      if (in.metadataProblem() != null) {
        return 1;
      }
      return tokenFile != null && in.token() != StoreInspector.TokenVerdict.MATCHES ? 1 : 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Download and check snapshots as a restore would, without restoring: size and sha256 of the"
          + " stored bytes, decryption, content sha256, a full snapshot's trailer and db revision, a delta's"
          + " checksum, header and event count, and (--chain) that the chain's revisions follow on.",
          "NAME alone checks one object; --chain checks the newest chain, or with NAME the chain a restore of NAME"
              + " uses. Downloads go to --scratch-dir and are deleted after each check."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:every object checked is good", "1:an object or the chain is bad (named on stdout)",
          "2:bad flags, or the store unavailable"})
  static final class VerifyCommand extends Sub {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
        description = "Object name, base name or metadata file name.")
    String name;

    @Option(names = "--chain", description = "Check a whole chain: the newest, or the one ending at NAME.")
    boolean chain;

    @Option(names = "--encryption-key-file", paramLabel = "FILE",
        description = "The AES-256 key the snapshots were encrypted with (needed for encrypted ones).")
    Path encryptionKeyFile;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "Also check that every snapshot's token hash matches this backup token.")
    Path tokenFile;

    @Option(names = "--scratch-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/cairn-verify",
        description = "Room for the largest object's plain content (default: ${DEFAULT-VALUE}).")
    Path scratchDir;

    @Override
    String label() {
      return "verify";
    }

    @Override
    int run(BackupStore store, PrintWriter out, PrintWriter err) throws Exception {
      if (name == null && !chain) {
        throw new CommandLine.ParameterException(spec.commandLine(), "Give a snapshot NAME, --chain, or both.");
      }
      EncryptionKey key;
      TokenPreflight token;
      try {
        key = encryptionKeyFile == null ? null : EncryptionKey.fromFile(encryptionKeyFile);
        token = tokenFile == null ? null : TokenPreflight.fromFile(tokenFile, false);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      StoreInspector inspector = new StoreInspector(store);
      java.util.function.Consumer<String> progress = p -> {
        err.println("cairn store verify: " + p);
        err.flush();
      };
      StoreInspector.Verification v = chain
          ? inspector.verifyChain(name, key, scratchDir, token, progress)
          : inspector.verifyObject(name, key, scratchDir, token, progress);
      for (StoreInspector.Checked c : v.objects()) {
        SnapshotMetadata m = c.metadata();
        if (c.ok()) {
          out.println("OK      " + c.entry().object().name() + "  revisions " + m.startRevision() + ".."
              + m.endRevision() + ", " + m.size() + " stored bytes, sha256 " + m.sha256()
              + (m.encrypted() ? ", decrypted with key " + m.encryptionKeyId() : ""));
        } else {
          out.println("FAILED  " + c.entry().object().name() + ": " + c.problem());
        }
      }
      if (v.chainProblem() != null) {
        out.println("FAILED  " + v.what() + ": " + v.chainProblem());
      }
      long bad = v.objects().stream().filter(c -> !c.ok()).count();
      if (v.ok()) {
        out.println("verified " + v.what() + ": " + v.objects().size() + " object(s) good"
            + (v.plan() == null ? "" : "; " + v.plan().describe()));
        return 0;
      }
      out.println("verification of " + v.what() + " FAILED: " + (v.chainProblem() != null ? "the chain cannot be"
          + " restored" : bad + " of " + v.objects().size() + " object(s) bad"));
      return 1;
    }
  }

  @Command(name = "archive-remove", mixinStandardHelpOptions = true,
      description = {"Remove one archive/ID/ folder (what a restore to an older point set aside). Without --yes it"
          + " only prints what it would remove. An archive whose restore is still moving snapshots into it is"
          + " refused, and so is one whose restore record is missing or unreadable unless --force is given."
          + " Nothing else ever removes an archive."},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:removed", "1:not removed: no --yes, no such archive, or its restore is unfinished",
          "2:bad flags, the store unavailable, or not removed because its record is missing or unreadable"
              + " (cannot tell whether its restore finished; --force removes it)"})
  static final class ArchiveRemoveCommand extends Sub {
    @Parameters(index = "0", paramLabel = "ID", description = "The archive id, as cairn store list --archive prints it.")
    String id;

    @Option(names = "--yes", description = "Really remove it.")
    boolean yes;

    @Option(names = "--force", description = "Remove it even when its restore record is missing or unreadable"
        + " (nothing then says whether its restore finished; check its files first).")
    boolean force;

    @Override
    String label() {
      return "archive-remove";
    }

    @Override
    int run(BackupStore store, PrintWriter out, PrintWriter err) throws Exception {
      try {
        BackupStore.checkArchive(id);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      StoreInspector inspector = new StoreInspector(store);
      StoreInspector.Removal plan;
      try {
        plan = inspector.planArchiveRemoval(id, force);
      } catch (StoreInspector.RecordUnknown e) {
        err.println("cairn store archive-remove: " + e.getMessage());
        return 2;
      }
      StoreInspector.Archive a = plan.archive();
      TimelineArchiver.Record r = a.record();
      String what = "archive " + id + " in " + store.describe() + ": " + a.files().size() + " file(s), " + a.bytes()
          + " bytes, " + a.snapshots() + " snapshot(s); " + (r == null ? a.recordProblem()
              : "record: restore to revision " + r.revision() + " (" + r.target() + "), " + r.state() + ", started "
                  + r.startedAt());
      if (plan.warning() != null) {
        err.println("cairn store archive-remove: warning: " + plan.warning());
      }
      if (!yes) {
        out.println("would remove " + what);
        for (StoredObject f : a.files()) {
          out.println("  " + BackupStore.ARCHIVE_DIR + "/" + id + "/" + f.name() + "  (" + f.size() + " bytes)");
        }
        err.println("cairn store archive-remove: nothing removed; run again with --yes to remove these files");
        return 1;
      }
      StoreInspector.Removal done;
      try {
        done = inspector.removeArchive(id, force);
      } catch (StoreInspector.RecordUnknown e) {
        // The record went unreadable between the plan and now: still refuse.
        err.println("cairn store archive-remove: " + e.getMessage());
        return 2;
      }
      for (String n : done.removed()) {
        out.println("removed " + BackupStore.ARCHIVE_DIR + "/" + id + "/" + n);
      }
      out.println("removed " + what);
      return 0;
    }
  }
}
