package dev.cairn.datadir.validation;

import dev.cairn.datadir.CorruptFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * The validation flow run before etcd starts (seed 000): refuse a volume that belongs to another
 * member, pick full or sanity validation from the marker, validate, and claim an unclaimed volume.
 *
 * <pre>
 * identity file present and conflicting with the expected one -> WrongVolume (nothing else runs)
 * marker absent, unreadable, "running", or an abnormal exit    -> FULL  (structure + content)
 * marker says etcd exited cleanly                              -> SANITY (structure + revision)
 * </pre>
 *
 * The marker and identity files live in {@code <data-dir>/.cairn/}, on the data volume next to
 * member/, so they move with the data and survive a restore that replaces member/.
 */
public final class ValidationFlow {

  /** Directory under the data dir holding cairn's own files. */
  public static final String CAIRN_DIR = ".cairn";

  private ValidationFlow() {}

  public static Path markerFile(Path dataDir) {
    return dataDir.resolve(CAIRN_DIR).resolve("exit-marker");
  }

  public static Path identityFile(Path dataDir) {
    return dataDir.resolve(CAIRN_DIR).resolve("identity");
  }

  /**
   * One validation request.
   *
   * @param mode null to choose from the marker file
   * @param storeRevision end revision of the newest snapshot in the store, empty when unknown (no
   *     staleness check) or when the store has none
   * @param expectedIdentity the member that is starting; null disables the wrong-volume guard
   * @param claimVolume write {@code expectedIdentity} to a volume that has no identity file yet
   */
  public record Request(
      Path dataDir, ValidationMode mode, OptionalLong storeRevision, VolumeIdentity expectedIdentity,
      boolean claimVolume) {

    public static Request of(Path dataDir) {
      return new Request(dataDir, null, OptionalLong.empty(), null, false);
    }

    public Request withMode(ValidationMode m) {
      return new Request(dataDir, m, storeRevision, expectedIdentity, claimVolume);
    }

    public Request withStoreRevision(OptionalLong r) {
      return new Request(dataDir, mode, r, expectedIdentity, claimVolume);
    }

    /** Guards against a wrong volume and claims an unclaimed one for {@code id}. */
    public Request withIdentity(VolumeIdentity id) {
      return new Request(dataDir, mode, storeRevision, id, id != null);
    }
  }

  /** Mode and the reason it was chosen. */
  public record ModeChoice(ValidationMode mode, String reason) {}

  /** Reads the marker and picks the mode; never throws on a bad marker (that means FULL). */
  public static ModeChoice chooseMode(Path dataDir) {
    Path file = markerFile(dataDir);
    try {
      ExitMarker m = ExitMarker.read(file);
      if (m == null) {
        return new ModeChoice(ValidationMode.FULL, "no validation marker: previous exit unknown");
      }
      if (m.previousExitClean()) {
        return new ModeChoice(ValidationMode.SANITY, "etcd exited cleanly (exit code " + m.exitCode() + ")");
      }
      if (m.state() == ExitMarker.State.RUNNING) {
        return new ModeChoice(ValidationMode.FULL, "marker says etcd was still running: the pod died with it");
      }
      return new ModeChoice(ValidationMode.FULL, "etcd exited abnormally (exit code " + m.exitCode() + ")");
    } catch (IOException e) {
      return new ModeChoice(ValidationMode.FULL, "validation marker unreadable (" + e.getMessage() + ")");
    }
  }

  public static ValidationReport run(Request req) throws IOException {
    long t0 = System.nanoTime();
    Path identity = identityFile(req.dataDir());
    VolumeIdentity onVolume = null;
    if (req.expectedIdentity() != null) {
      try {
        onVolume = VolumeIdentity.read(identity);
      } catch (CorruptFileException e) {
        return refused(req, t0, List.of("identity file unreadable: " + e.getMessage()
            + "; check the volume by hand, then fix or delete the file"));
      }
      if (onVolume != null) {
        List<String> conflicts = req.expectedIdentity().conflictsWith(onVolume);
        if (!conflicts.isEmpty()) {
          return refused(req, t0, conflicts.stream().map(c -> identity + ": " + c).toList());
        }
      }
    }
    ModeChoice choice = req.mode() != null ? new ModeChoice(req.mode(), "requested")
        : chooseMode(req.dataDir());
    ValidationReport r = DataDirValidator.validate(req.dataDir(), choice.mode(), choice.reason(), req.storeRevision());
    if (req.claimVolume() && req.expectedIdentity() != null && onVolume == null) {
      req.expectedIdentity().write(identity);
    }
    return r;
  }

  private static ValidationReport refused(Request req, long t0, List<String> reasons) {
    CheckResult c = new CheckResult("identity", CheckResult.Status.FAIL, reasons, List.of(), java.util.Map.of(),
        Duration.ofNanos(System.nanoTime() - t0));
    ValidationMode mode = req.mode() != null ? req.mode() : ValidationMode.FULL;
    return new ValidationReport(req.dataDir(), mode, "volume identity does not match", List.of(c),
        new ValidationOutcome.WrongVolume(reasons), Duration.ofNanos(System.nanoTime() - t0));
  }

  /** Whether the data dir holds member data at all (cheap; for callers deciding to bootstrap). */
  public static boolean hasMemberData(Path dataDir) {
    return Files.isDirectory(dataDir.resolve("member"));
  }
}
