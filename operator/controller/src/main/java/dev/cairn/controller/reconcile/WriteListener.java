package dev.cairn.controller.reconcile;

/** Told about every write the operator makes (metrics; the benchmark's write count). */
@FunctionalInterface
public interface WriteListener {
  void wrote(String kind, String verb);

  WriteListener NONE = (k, v) -> {};
}
