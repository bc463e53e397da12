/**
 * The names every cairn module shares: annotation, label, condition and Secret key names, the schema
 * patterns, and the Go duration parser. The custom resource classes live in {@link
 * dev.cairn.api.v1alpha1}; the CRDs in {@code crds/} are generated from them by Fabric8's CRD generator.
 * A field's {@code @JsonPropertyDescription} becomes its description in the schema ({@code kubectl
 * explain}); Javadoc does not reach the bytecode the generator reads.
 */
package dev.cairn.api;
