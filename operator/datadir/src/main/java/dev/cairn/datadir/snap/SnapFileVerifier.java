package dev.cairn.datadir.snap;

import dev.cairn.datadir.ProtoReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Verifies a raft snapshot file ({@code member/snap/<term>-<index>.snap}): snappb.Snapshot
 * {crc, data} with crc = CRC-32C(data), data = raftpb.Snapshot whose metadata must name the same
 * term and index as the file. etcd refuses an empty file, empty data or a zero crc.
 */
public final class SnapFileVerifier {

  public static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.snap");

  /** etcd keeps .snap files small (membership and the v2 store); this bounds what we load. */
  static final long MAX_SIZE = 512L << 20;

  private SnapFileVerifier() {}

  /**
   * @param term from the file name
   * @param index from the file name
   * @param problem what is wrong, null when the file is valid
   */
  public record Result(Path file, long term, long index, long size, String problem) {
    public boolean valid() {
      return problem == null;
    }
  }

  public static Result verify(Path file) throws IOException {
    String n = file.getFileName().toString();
    Matcher m = NAME.matcher(n);
    if (!m.matches()) {
      return new Result(file, 0, 0, Files.size(file), "name is not <16 hex term>-<16 hex index>.snap");
    }
    long term = Long.parseUnsignedLong(m.group(1), 16);
    long index = Long.parseUnsignedLong(m.group(2), 16);
    long size = Files.size(file);
    if (size == 0) {
      return new Result(file, term, index, 0, "empty file (etcd: ErrEmptySnapshot)");
    }
    if (size > MAX_SIZE) {
      return new Result(file, term, index, size, "file of " + size + " bytes is larger than a .snap can be");
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    long crc = -1;
    int ds = -1;
    int de = -1;
    try {
      ProtoReader r = new ProtoReader(b, 0, b.capacity());
      while (r.next()) {
        if (r.field() == 1 && r.wire() == 0) {
          crc = r.varint();
        } else if (r.field() == 2 && r.wire() == 2) {
          ds = r.bytesStart();
          de = r.bytesEnd();
        }
      }
    } catch (ProtoReader.Malformed e) {
      return new Result(file, term, index, size, "not a snappb.Snapshot: " + e.getMessage());
    }
    if (ds < 0 || de == ds) {
      return new Result(file, term, index, size, "no snapshot data (etcd: ErrEmptySnapshot)");
    }
    if (crc <= 0) {
      return new Result(file, term, index, size, "crc field is missing or zero (etcd: ErrEmptySnapshot)");
    }
    CRC32C c = new CRC32C();
    c.update(b.array(), ds, de - ds);
    if (c.getValue() != (crc & 0xffffffffL)) {
      return new Result(file, term, index, size, String.format(
          "CRC mismatch: file says 0x%08x, data computes 0x%08x", crc, c.getValue()));
    }
    // raftpb.Snapshot {1 data, 2 metadata {1 conf_state, 2 index, 3 term}}.
    long mIndex = -1;
    long mTerm = -1;
    try {
      ProtoReader r = new ProtoReader(b, ds, de);
      while (r.next()) {
        if (r.field() == 2 && r.wire() == 2) {
          ProtoReader md = new ProtoReader(b, r.bytesStart(), r.bytesEnd());
          while (md.next()) {
            if (md.field() == 2 && md.wire() == 0) {
              mIndex = md.varint();
            } else if (md.field() == 3 && md.wire() == 0) {
              mTerm = md.varint();
            }
          }
        }
      }
    } catch (ProtoReader.Malformed e) {
      return new Result(file, term, index, size, "CRC matches but the raft snapshot does not decode: " + e.getMessage());
    }
    if (mIndex != index || mTerm != term) {
      return new Result(file, term, index, size, "holds a snapshot of term " + mTerm + " index " + mIndex
          + ", not what its name says");
    }
    return new Result(file, term, index, size, null);
  }
}
