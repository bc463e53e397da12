package dev.cairn.datadir.validation;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One check of a validation run.
 *
 * @param findings what is wrong (status FAIL); each names the file and the place
 * @param warnings what is not wrong but worth knowing (status WARN when there are no findings)
 * @param details numbers the check established (revision, page counts ...), for the report
 */
public record CheckResult(
    String name, Status status, List<String> findings, List<String> warnings, Map<String, Object> details,
    Duration duration) {

  public enum Status {
    PASS,
    WARN,
    FAIL,
    SKIPPED
  }

  public CheckResult {
    findings = List.copyOf(findings);
    warnings = List.copyOf(warnings);
    details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
  }
}
