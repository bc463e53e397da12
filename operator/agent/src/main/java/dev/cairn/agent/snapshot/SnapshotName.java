package dev.cairn.agent.snapshot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a snapshot object and of its metadata file, which tells everything about the snapshot
 * without reading it:
 *
 * <pre>
 *   END-KIND-START-CREATED.EXT[.gz|.zst][.enc]     the object
 *   END-KIND-START-CREATED.meta.json               its metadata file (same base name)
 *
 *   END, START  revisions, 19 decimal digits, zero-padded (so names sort by revision)
 *   KIND        full | delta ("delta" sorts before "full": at equal END the full comes last)
 *   CREATED     UTC time, yyyyMMdd'T'HHmmssSSS'Z'
 *   EXT         db (full: an etcd v3 snapshot file) | delta (cairn delta format)
 * </pre>
 *
 * A full snapshot has START 0; a delta's START is the previous snapshot's END + 1.
 */
public record SnapshotName(
    SnapshotKind kind, long startRevision, long endRevision, Instant created, Compression compression,
    boolean encrypted) {

  public static final String METADATA_SUFFIX = ".meta.json";
  public static final String ENCRYPTED_SUFFIX = ".enc";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
  private static final String BASE = "(\\d{19})-(full|delta)-(\\d{19})-(\\d{8}T\\d{9}Z)";
  private static final Pattern OBJECT = Pattern.compile("^" + BASE + "\\.(db|delta)(\\.gz|\\.zst)?(\\.enc)?$");
  private static final Pattern METADATA = Pattern.compile("^" + BASE + "\\.meta\\.json$");

  public SnapshotName {
    if (startRevision < 0 || endRevision < 0 || startRevision > endRevision) {
      throw new IllegalArgumentException(
          "invalid revision range " + startRevision + ".." + endRevision + " for a " + kind.token() + " snapshot");
    }
    created = created.truncatedTo(ChronoUnit.MILLIS);
  }

  public String baseName() {
    return String.format("%019d-%s-%019d-%s", endRevision, kind.token(), startRevision, TIME.format(created));
  }

  public String objectName() {
    return baseName() + "." + kind.extension() + compression.suffix() + (encrypted ? ENCRYPTED_SUFFIX : "");
  }

  public String metadataName() {
    return baseName() + METADATA_SUFFIX;
  }

  /** Parses an object name; anything else (metadata files, foreign files) is empty. */
  public static Optional<SnapshotName> parseObject(String name) {
    Matcher m = OBJECT.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    SnapshotKind kind = SnapshotKind.fromToken(m.group(2));
    if (!kind.extension().equals(m.group(5))) {
      return Optional.empty();
    }
    return build(m, kind, Compression.fromSuffix(m.group(6)), m.group(7) != null);
  }

  /** The base name of a metadata file name, if it is one. */
  public static Optional<String> metadataBaseName(String name) {
    Matcher m = METADATA.matcher(name);
    return m.matches() ? Optional.of(name.substring(0, name.length() - METADATA_SUFFIX.length())) : Optional.empty();
  }

  private static Optional<SnapshotName> build(Matcher m, SnapshotKind kind, Compression c, boolean enc) {
    try {
      long end = Long.parseLong(m.group(1));
      long start = Long.parseLong(m.group(3));
      Instant created = Instant.from(TIME.parse(m.group(4)));
      return Optional.of(new SnapshotName(kind, start, end, created, c, enc));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
