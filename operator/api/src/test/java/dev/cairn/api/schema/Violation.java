package dev.cairn.api.schema;

/**
 * One reason a document was rejected.
 *
 * @param path field path as the API server prints it, such as {@code spec.backup.store.bucket}; empty
 *     for the object itself
 * @param rule the schema keyword that failed ({@code enum}, {@code pattern}, {@code required}, {@code
 *     maximum}, {@code additionalProperties} ...), or {@code cel} for an {@code x-kubernetes-validations}
 *     rule, or {@code cel-error} when a rule could not be evaluated
 * @param message for {@code cel}, the rule's message exactly; otherwise the validator's text
 */
public record Violation(String path, String rule, String message) {

  @Override
  public String toString() {
    return (path.isEmpty() ? "<root>" : path) + " [" + rule + "] " + message;
  }
}
