package dev.cairn.datadir.validation;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A validation run: the mode and why it was chosen, every check with its result, the outcome.
 */
public record ValidationReport(
    Path dataDir, ValidationMode mode, String modeReason, List<CheckResult> checks, ValidationOutcome outcome,
    Duration duration) {

  public ValidationReport {
    checks = List.copyOf(checks);
  }

  public int exitCode() {
    return outcome.exitCode();
  }

  /** The report as JSON: every check with status, findings, warnings, details and duration. */
  public String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("dataDir", dataDir.toString());
    root.put("mode", mode.name().toLowerCase(Locale.ROOT));
    root.put("modeReason", modeReason);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", outcome.kind());
    if (outcome instanceof ValidationOutcome.Corrupt c) {
      out.put("reasons", c.reasons());
    } else if (outcome instanceof ValidationOutcome.WrongVolume w) {
      out.put("reasons", w.reasons());
    } else if (outcome instanceof ValidationOutcome.Stale s) {
      out.put("dbRevision", s.dbRevision());
      out.put("storeRevision", s.storeRevision());
    }
    root.put("outcome", out);
    root.put("exitCode", exitCode());
    root.put("durationMillis", millis(duration));
    List<Object> cs = new ArrayList<>();
    for (CheckResult c : checks) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", c.name());
      m.put("status", c.status().name().toLowerCase(Locale.ROOT));
      m.put("durationMillis", millis(c.duration()));
      m.put("findings", c.findings());
      m.put("warnings", c.warnings());
      m.put("details", c.details());
      cs.add(m);
    }
    root.put("checks", cs);
    return Json.write(root);
  }

  /** The report for a terminal: one line per check, findings and warnings indented below it. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append("data dir ").append(dataDir).append(": ").append(mode.name().toLowerCase(Locale.ROOT))
        .append(" validation (").append(modeReason).append(")\n");
    for (CheckResult c : checks) {
      b.append(String.format(Locale.ROOT, "  %-12s %-7s %8.1f ms", c.name(), c.status(), millis(c.duration())));
      if (!c.details().isEmpty()) {
        b.append("  ").append(c.details());
      }
      b.append('\n');
      c.findings().forEach(f -> b.append("      FAIL ").append(f).append('\n'));
      c.warnings().forEach(w -> b.append("      warn ").append(w).append('\n'));
    }
    b.append("outcome: ").append(describe(outcome)).append('\n');
    return b.toString();
  }

  static String describe(ValidationOutcome o) {
    if (o instanceof ValidationOutcome.Valid) {
      return "Valid: etcd may start on this data";
    } else if (o instanceof ValidationOutcome.Empty) {
      return "Empty: no member data (a fresh member; restore from the store if it has snapshots)";
    } else if (o instanceof ValidationOutcome.Corrupt c) {
      return "Corrupt: " + c.reasons().size() + " problem(s); do not start etcd, restore the member from a snapshot";
    } else if (o instanceof ValidationOutcome.Stale s) {
      return "Stale: db revision " + s.dbRevision() + " is below the store's newest snapshot revision "
          + s.storeRevision() + "; restore from the store instead of serving old data";
    } else if (o instanceof ValidationOutcome.WrongVolume w) {
      return "WrongVolume: " + String.join("; ", w.reasons()) + "; mount the right volume, do not restore over this one";
    }
    return o.toString();
  }

  private static double millis(Duration d) {
    return d.toNanos() / 1e6;
  }
}
