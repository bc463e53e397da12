package dev.cairn.datadir.validation;

import dev.cairn.datadir.CorruptFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The validation marker: how etcd last exited, written on the data volume by whatever starts etcd
 * (the wrapper). It writes {@link #running()} just before starting etcd and {@link #exited(int)}
 * when etcd exits, each atomically, so a pod killed outright (node loss, OOM kill of the wrapper)
 * leaves "running" behind, which reads as an abnormal exit.
 *
 * <p>Format, version 1 (UTF-8, one {@code key=value} per line, {@code #} comments):
 *
 * <pre>
 * # cairn validation marker: how etcd last exited
 * version=1
 * state=exited          # running | exited
 * exit-code=143         # exited only: the process exit status, 128+N when killed by signal N
 * clean=true            # exited only: graceful shutdown (0, or SIGTERM/SIGINT after etcd's own shutdown)
 * time=2026-11-21T05:55:00Z
 * </pre>
 *
 * @param exitCode null while running
 */
public record ExitMarker(int version, State state, Integer exitCode, boolean clean, Instant time) {

  public static final int VERSION = 1;
  /** The file can never legitimately be larger; anything bigger is not ours. */
  static final int MAX_BYTES = 4096;

  public enum State {
    RUNNING,
    EXITED
  }

  /** The marker to write just before etcd starts. */
  public static ExitMarker running() {
    return new ExitMarker(VERSION, State.RUNNING, null, false, Instant.now());
  }

  /**
   * The marker to write when etcd exited with {@code exitCode}. etcd shuts down gracefully on
   * SIGTERM or SIGINT and then re-raises the signal, so 143 and 130 are clean like 0 is.
   */
  public static ExitMarker exited(int exitCode) {
    return new ExitMarker(VERSION, State.EXITED, exitCode, isCleanExit(exitCode), Instant.now());
  }

  public static boolean isCleanExit(int exitCode) {
    return exitCode == 0 || exitCode == 128 + 15 || exitCode == 128 + 2;
  }

  /** True when the previous run ended in a graceful shutdown: only then is a sanity validation enough. */
  public boolean previousExitClean() {
    return state == State.EXITED && clean;
  }

  /** Writes the marker atomically (temp file, fsync, rename, fsync of the directory). */
  public void write(Path file) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("version", Integer.toString(version));
    m.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
    if (state == State.EXITED) {
      m.put("exit-code", String.valueOf(exitCode));
      m.put("clean", Boolean.toString(clean));
    }
    m.put("time", time.toString());
    AtomicFiles.write(file, KeyValueFile.format("cairn validation marker: how etcd last exited", m));
  }

  /**
   * Reads a marker; null when there is none. A file that does not parse, or has a version this
   * build does not know, throws {@link CorruptFileException}: the caller then validates fully.
   */
  public static ExitMarker read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    Map<String, String> m = KeyValueFile.read(file, MAX_BYTES);
    String v = m.get("version");
    if (!Integer.toString(VERSION).equals(v)) {
      throw new CorruptFileException(file, "marker version " + v + ", this build reads version " + VERSION);
    }
    State state;
    try {
      state = State.valueOf(String.valueOf(m.get("state")).toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CorruptFileException(file, "marker state " + m.get("state") + " is neither running nor exited");
    }
    Integer code = null;
    boolean clean = false;
    if (state == State.EXITED) {
      try {
        code = Integer.parseInt(m.getOrDefault("exit-code", ""));
      } catch (NumberFormatException e) {
        throw new CorruptFileException(file, "marker exit-code " + m.get("exit-code") + " is not a number");
      }
      String c = m.get("clean");
      if (!"true".equals(c) && !"false".equals(c)) {
        throw new CorruptFileException(file, "marker clean=" + c + " is neither true nor false");
      }
      clean = Boolean.parseBoolean(c);
    }
    Instant time = null;
    if (m.get("time") != null) {
      try {
        time = Instant.parse(m.get("time"));
      } catch (DateTimeParseException e) {
        throw new CorruptFileException(file, "marker time " + m.get("time") + " is not an ISO-8601 instant");
      }
    }
    return new ExitMarker(VERSION, state, code, clean, time);
  }
}
