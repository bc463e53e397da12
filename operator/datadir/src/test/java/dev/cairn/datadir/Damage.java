package dev.cairn.datadir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** Byte-level damage to copies of real files, for the corruption corpus. */
public final class Damage {

  private Damage() {}

  /**
   * A copy of a data dir made of hard links (cheap for 64 MB WAL segments); call {@link #own} on
   * a file before changing it, so the original stays intact.
   */
  public static Path linkTree(Path from, Path to) {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.createLink(t, p);
        }
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link " + from + " to " + to, e);
    }
  }

  /** Replaces a hard link by a private copy of the file. */
  public static Path own(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".own");
    Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    return file;
  }

  public static void xor(Path file, long offset, int mask) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      if (ch.read(b, offset) != 1) {
        throw new IllegalArgumentException("offset " + offset + " is past the end of " + file);
      }
      b.put(0, (byte) (b.get(0) ^ mask));
      b.rewind();
      ch.write(b, offset);
    }
  }

  public static long readLong(Path file, long offset) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(b, offset);
      return b.getLong(0);
    }
  }

  public static void writeLong(Path file, long offset, long value) throws IOException {
    write(file, offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value).array());
  }

  public static void write(Path file, long offset, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), offset);
    }
  }

  public static byte[] read(Path file, long offset, int len) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(len);
      ch.read(b, offset);
      return b.array();
    }
  }

  public static void truncate(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }
}
