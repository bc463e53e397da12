package dev.cairn.datadir.wal;

import dev.cairn.datadir.ProtoReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifies an etcd WAL directory the way etcd reads it at start, without Go: file names and
 * sequence continuity, record framing, the CRC-32C chain across records and files, known record
 * types, identical metadata, entry index continuity. It also reports the last HardState and the
 * snapshot records, which the data-dir checks compare with the db and the .snap files.
 *
 * <p>A record cut short or partly zero at the end of the <em>last</em> file is a torn write that
 * etcd repairs by itself (it truncates the file there): a warning. The same anywhere else, and any
 * CRC mismatch that is not a torn write, is corruption, since etcd refuses to start on it.
 */
public final class WalVerifier {

  static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");

  static final int METADATA = 1;
  static final int ENTRY = 2;
  static final int STATE = 3;
  static final int CRC = 4;
  static final int SNAPSHOT = 5;

  /** etcd's torn-write detection works on 512-byte sectors. */
  static final int SECTOR = 512;
  /** etcd refuses records of 10 MiB or more (maxWALEntrySizeLimit). */
  static final long MAX_RECORD = 10L * 1024 * 1024;

  private WalVerifier() {}

  /** Verifies the directory; {@code countAfterIndex} sets what {@link WalReport#writesAfter} counts. */
  public static WalReport verify(Path walDir, long countAfterIndex) throws IOException {
    return new Run(walDir, countAfterIndex).run();
  }

  /** Verifies the directory without counting entries. */
  public static WalReport verify(Path walDir) throws IOException {
    return verify(walDir, Long.MAX_VALUE);
  }

  private static final class Run {
    private final Path dir;
    private final long countAfter;
    private final List<String> findings = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<WalReport.WalFile> files = new ArrayList<>();
    private final List<WalReport.SnapshotRef> snapshots = new ArrayList<>();
    private final Crc32cChain crc = new Crc32cChain();
    private boolean crcSeeded;
    private ByteBuffer metadata;
    private long nodeId;
    private long clusterId;
    private WalReport.HardState hardState;
    private long entries;
    private long lastIndex = -1;
    private long writesAfter;
    private boolean torn;

    Run(Path dir, long countAfter) {
      this.dir = dir;
      this.countAfter = countAfter;
    }

    WalReport run() throws IOException {
      List<Path> wals = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path p : ds) {
          String n = p.getFileName().toString();
          if (NAME.matcher(n).matches()) {
            wals.add(p);
          } else if (n.endsWith(".wal")) {
            findings.add(n + ": a .wal file whose name is not <16 hex seq>-<16 hex index>.wal; etcd refuses the directory");
          } else if (n.endsWith(".tmp")) {
            // A preallocated segment etcd keeps ready for the next cut: expected.
          } else if (n.endsWith(".broken")) {
            warnings.add(n + ": copy of a WAL file etcd repaired earlier (kept by etcd, not read)");
          } else {
            warnings.add(n + ": unexpected file in the WAL directory (ignored by etcd)");
          }
        }
      }
      wals.sort(null);
      if (wals.isEmpty()) {
        findings.add("no .wal file in " + dir + ": etcd would treat the member as new and bootstrap again");
      }
      long prevSeq = -1;
      long prevIndex = -1;
      for (int i = 0; i < wals.size(); i++) {
        String n = wals.get(i).getFileName().toString();
        Matcher m = NAME.matcher(n);
        m.matches();
        long seq = Long.parseUnsignedLong(m.group(1), 16);
        long index = Long.parseUnsignedLong(m.group(2), 16);
        if (prevSeq >= 0 && seq != prevSeq + 1) {
          findings.add(n + ": sequence " + seq + " does not follow " + prevSeq + " (a WAL file is missing)");
        }
        if (prevIndex >= 0 && Long.compareUnsigned(index, prevIndex) < 0) {
          findings.add(n + ": start index " + index + " is below the previous file's " + prevIndex);
        }
        if (i == 0) {
          lastIndex = index == 0 ? 0 : index - 1;
        }
        prevSeq = seq;
        prevIndex = index;
        readFile(wals.get(i), n, seq, index, i == wals.size() - 1);
      }
      return new WalReport(dir, List.copyOf(files), nodeId, clusterId, hardState, List.copyOf(snapshots), entries,
          Math.max(0, lastIndex), writesAfter, torn, List.copyOf(findings), List.copyOf(warnings));
    }

    private void readFile(Path file, String name, long seq, long startIndex, boolean last) throws IOException {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        long size = ch.size();
        if (size > Integer.MAX_VALUE) {
          findings.add(name + ": " + size + " bytes, larger than any WAL segment etcd writes");
          return;
        }
        ByteBuffer b = size == 0 ? ByteBuffer.allocate(0)
            : ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
        int fsz = (int) size;
        int off = 0;
        long records = 0;
        boolean preallocated = false;
        while (true) {
          if (off == fsz) {
            break; // a segment cut (or repaired) exactly at its last record
          }
          if (fsz - off < 8) {
            if (problem(last, name, off, "a frame length cut short (" + (fsz - off) + " of 8 bytes)", true)) {
              break;
            }
            break;
          }
          long lenField = b.getLong(off);
          if (lenField == 0) {
            preallocated = true;
            int nz = firstNonZero(b, off, fsz);
            if (nz >= 0) {
              if (last) {
                warnings.add(name + ": non-zero bytes at offset " + nz + " after the last record (which ends at "
                    + off + "): leftovers of a torn write, ignored by etcd and overwritten by its next writes");
              } else {
                findings.add(name + ": records end at offset " + off + " but data follows at offset " + nz
                    + "; etcd skips everything after a zero length, so those records would be lost");
              }
            }
            break;
          }
          long recBytes = lenField & 0x00FFFFFFFFFFFFFFL;
          long pad = lenField < 0 ? (lenField >>> 56) & 0x7 : 0;
          if (recBytes >= MAX_RECORD - pad) {
            findings.add(name + ": record at offset " + off + " claims " + recBytes + " bytes, above etcd's "
                + MAX_RECORD + "-byte limit (a damaged length field); etcd refuses to start");
            break;
          }
          int dataStart = off + 8;
          long dataEnd = dataStart + recBytes + pad;
          if (dataEnd > fsz) {
            problem(last, name, off, "a record of " + recBytes + " bytes runs past the end of the file (" + fsz
                + " bytes)", true);
            break;
          }
          int recEnd = dataStart + (int) recBytes;
          String bad = record(b, dataStart, recEnd, name, off, records == 0);
          if (bad != null) {
            boolean isTorn = last && tornEntry(b, dataStart, (int) dataEnd);
            problem(last, name, off, bad, isTorn);
            break;
          }
          records++;
          off = (int) dataEnd;
        }
        files.add(new WalReport.WalFile(name, seq, startIndex, size, records, off, preallocated));
      }
    }

    /**
     * Records a decoding failure: a warning when it is a torn write in the last file (etcd repairs
     * it), corruption otherwise. Returns true.
     */
    private boolean problem(boolean last, String name, int off, String what, boolean tornShape) {
      if (last && tornShape) {
        torn = true;
        warnings.add(name + ": torn write at offset " + off + " (" + what + "); etcd truncates the file there"
            + " at start and keeps a .broken copy");
      } else {
        findings.add(name + ": at offset " + off + ": " + what
            + (last ? "" : " (not the last WAL file, so this is not a torn tail etcd could repair)"));
      }
      return true;
    }

    /**
     * Decodes one walpb.Record in [from, to) and applies it; returns what is wrong, or null. Mirrors
     * etcd: CRC of each non-crc record chained over the data, crc records reseed the chain.
     */
    private String record(ByteBuffer b, int from, int to, String name, int off, boolean firstInFile) {
      long type = 0;
      long recCrc = 0;
      int dStart = -1;
      int dEnd = -1;
      try {
        ProtoReader r = new ProtoReader(b, from, to);
        while (r.next()) {
          switch (r.field()) {
            case 1 -> type = r.varint();
            case 2 -> recCrc = r.varint();
            case 3 -> {
              dStart = r.bytesStart();
              dEnd = r.bytesEnd();
            }
            default -> { }
          }
        }
      } catch (ProtoReader.Malformed e) {
        return "record is not a valid walpb.Record: " + e.getMessage();
      }
      if (firstInFile && type != CRC) {
        return "first record has type " + type + "; every WAL file starts with a crc record";
      }
      if (type == CRC) {
        int want = (int) recCrc;
        if (crcSeeded && crc.value() != 0 && crc.value() != want) {
          findings.add(name + ": crc record at offset " + off + " carries " + hex(want)
              + " but the records before it chain to " + hex(crc.value()) + " (the CRC chain across files is broken)");
        }
        crc.reset(want);
        crcSeeded = true;
        return null;
      }
      if (!crcSeeded) {
        crc.reset(0);
        crcSeeded = true;
      }
      if (dStart >= 0) {
        crc.update(b, dStart, dEnd);
      }
      if (crc.value() != (int) recCrc) {
        return "CRC mismatch: record says " + hex((int) recCrc) + ", data chains to " + hex(crc.value());
      }
      try {
        switch ((int) type) {
          case METADATA -> metadata(b, dStart, dEnd, name, off);
          case ENTRY -> entry(b, dStart, dEnd, name, off);
          case STATE -> hardState(b, dStart, dEnd);
          case SNAPSHOT -> snapshot(b, dStart, dEnd);
          default -> {
            return "unknown record type " + type;
          }
        }
      } catch (ProtoReader.Malformed e) {
        // The CRC matched, so these are the bytes etcd wrote: a format we do not understand is
        // reported rather than guessed at.
        findings.add(name + ": record at offset " + off + " (type " + type + ") has a valid CRC but does not decode: "
            + e.getMessage());
      }
      return null;
    }

    private void metadata(ByteBuffer b, int s, int e, String name, int off) throws ProtoReader.Malformed {
      ByteBuffer md = s < 0 ? ByteBuffer.allocate(0) : b.slice(s, e - s);
      if (metadata == null) {
        metadata = md;
        if (s >= 0) {
          ProtoReader r = new ProtoReader(b, s, e);
          while (r.next()) {
            if (r.field() == 1 && r.wire() == 0) {
              nodeId = r.varint();
            } else if (r.field() == 2 && r.wire() == 0) {
              clusterId = r.varint();
            }
          }
        }
      } else if (!metadata.equals(md)) {
        findings.add(name + ": metadata record at offset " + off + " differs from the first one (member "
            + Long.toHexString(nodeId) + " of cluster " + Long.toHexString(clusterId)
            + "): WAL files from different members are mixed");
      }
    }

    private void entry(ByteBuffer b, int s, int e, String name, int off) throws ProtoReader.Malformed {
      long index = 0;
      long type = 0;
      long dataLen = 0;
      if (s >= 0) {
        ProtoReader r = new ProtoReader(b, s, e);
        while (r.next()) {
          switch (r.field()) {
            case 1 -> type = r.varint();
            case 3 -> index = r.varint();
            case 4 -> dataLen = r.bytesEnd() - r.bytesStart();
            default -> { }
          }
        }
      }
      entries++;
      // raft appends at most one past its last index; a lower index overwrites a conflicting tail.
      if (lastIndex >= 0 && index > lastIndex + 1) {
        findings.add(name + ": entry at offset " + off + " has index " + index + " but the log ends at "
            + lastIndex + ": entries are missing");
      }
      lastIndex = index;
      if (type == 0 && dataLen > 0 && index > countAfter) {
        writesAfter++;
      }
    }

    private void hardState(ByteBuffer b, int s, int e) throws ProtoReader.Malformed {
      long term = 0;
      long vote = 0;
      long commit = 0;
      if (s >= 0) {
        ProtoReader r = new ProtoReader(b, s, e);
        while (r.next()) {
          switch (r.field()) {
            case 1 -> term = r.varint();
            case 2 -> vote = r.varint();
            case 3 -> commit = r.varint();
            default -> { }
          }
        }
      }
      hardState = new WalReport.HardState(term, vote, commit);
    }

    private void snapshot(ByteBuffer b, int s, int e) throws ProtoReader.Malformed {
      long index = 0;
      long term = 0;
      if (s >= 0) {
        ProtoReader r = new ProtoReader(b, s, e);
        while (r.next()) {
          if (r.field() == 1 && r.wire() == 0) {
            index = r.varint();
          } else if (r.field() == 2 && r.wire() == 0) {
            term = r.varint();
          }
        }
      }
      snapshots.add(new WalReport.SnapshotRef(index, term));
      // A snapshot received from the leader replaces the log: entries continue after its index.
      if (index > lastIndex) {
        lastIndex = index;
      }
    }

    /** etcd's rule: a record with a 512-byte sector (aligned in the file) entirely zero was torn. */
    private static boolean tornEntry(ByteBuffer b, int from, int to) {
      int p = from;
      while (p < to) {
        int chunkEnd = Math.min(to, (p / SECTOR + 1) * SECTOR);
        boolean zero = true;
        for (int i = p; i < chunkEnd; i++) {
          if (b.get(i) != 0) {
            zero = false;
            break;
          }
        }
        if (zero) {
          return true;
        }
        p = chunkEnd;
      }
      return false;
    }

    /** Offset of the first non-zero byte in [from, to), or -1. */
    private static int firstNonZero(ByteBuffer b, int from, int to) {
      int p = from;
      for (; p < to && (p & 7) != 0; p++) {
        if (b.get(p) != 0) {
          return p;
        }
      }
      for (; p + 8 <= to; p += 8) {
        if (b.getLong(p) != 0) {
          break;
        }
      }
      for (; p < to; p++) {
        if (b.get(p) != 0) {
          return p;
        }
      }
      return -1;
    }

    private static String hex(int v) {
      return String.format("0x%08x", v);
    }
  }
}
