package dev.cairn.datadir.validation;

/** How much to check. */
public enum ValidationMode {
  /** Structure and revision check: after a clean exit, when the files were closed properly. */
  SANITY,
  /** Structure and every byte of content (db, WAL, .snap, cross-file): after a crash or when unsure. */
  FULL
}
