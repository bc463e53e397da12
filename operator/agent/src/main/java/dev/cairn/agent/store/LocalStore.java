package dev.cairn.agent.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A backup store in a directory (a mounted volume). A put writes a temporary file whose name starts
 * with '.', syncs it and renames it into place, so a crash mid-write never leaves a visible object.
 */
public final class LocalStore implements BackupStore {

  /** Temporary files start with this; they are never listed and GC removes stale ones. */
  public static final String TEMP_PREFIX = ".tmp-";

  private final Path dir;

  public LocalStore(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  public Path directory() {
    return dir;
  }

  @Override
  public String describe() {
    return dir.toUri().toString();
  }

  @Override
  public void put(String name, InputStream data, long size, Map<String, String> userMetadata) throws IOException {
    BackupStore.checkName(name);
    Files.createDirectories(dir);
    Path tmp = dir.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
    try {
      long written;
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
        written = data.transferTo(out);
        out.flush();
        ch.force(true);
      }
      if (size >= 0 && written != size) {
        throw new StoreException(
            "put", "short write of " + name + " to " + describe() + ": expected " + size + " bytes, got " + written);
      }
      try {
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new StoreException(
            "put", "the directory " + dir + " does not support atomic renames; use a local filesystem", e);
      }
      syncDirectory();
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      if (e instanceof StoreException) {
        throw e;
      }
      throw new StoreException("put", "cannot write " + name + " to " + describe() + ": " + e, e);
    }
  }

  /** Makes the rename durable: without it a power loss can forget the new directory entry. */
  private void syncDirectory() {
    syncDirectory(dir);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Some filesystems refuse to open directories; the rename itself is still atomic there.
    }
  }

  @Override
  public InputStream get(String name) throws IOException {
    BackupStore.checkName(name);
    try {
      return Files.newInputStream(dir.resolve(name));
    } catch (NoSuchFileException e) {
      throw new StoreException("get", "no object " + name + " in " + describe(), e);
    } catch (IOException e) {
      throw new StoreException("get", "cannot read " + name + " from " + describe() + ": " + e, e);
    }
  }

  @Override
  public Optional<StoredObject> stat(String name) throws IOException {
    BackupStore.checkName(name);
    Path p = dir.resolve(name);
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return Optional.of(new StoredObject(name, a.size(), a.lastModifiedTime().toInstant()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public StorePage list(String startAfter, int limit) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    if (!Files.isDirectory(dir)) {
      return new StorePage(List.of(), Optional.empty());
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.startsWith(".") && (startAfter == null || n.compareTo(startAfter) > 0) && Files.isRegularFile(p)) {
          names.add(n);
        }
      }
    } catch (IOException e) {
      throw new StoreException("list", "cannot list " + describe() + ": " + e, e);
    }
    names.sort(Comparator.naturalOrder());
    List<StoredObject> page = new ArrayList<>();
    for (String n : names.subList(0, Math.min(limit, names.size()))) {
      stat(n).ifPresent(page::add); // a concurrent delete just drops it from the page
    }
    Optional<String> next = names.size() > limit ? Optional.of(names.get(limit - 1)) : Optional.empty();
    return new StorePage(page, next);
  }

  @Override
  public StagedUpload stage(String owner) throws IOException {
    Files.createDirectories(dir);
    String name = TEMP_PREFIX + Temporaries.newBaseName(owner, java.time.Instant.now());
    Path tmp = dir.resolve(name);
    FileChannel ch;
    try {
      ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException("put", "cannot create " + name + " in " + describe() + ": " + e, e);
    }
    return new LocalStagedUpload(name, tmp, ch);
  }

  /** A temporary file in the store directory; publishing renames it. */
  private final class LocalStagedUpload implements StagedUpload {
    private final String name;
    private final Path file;
    private final FileChannel channel;
    private final OutputStream out;
    private boolean finished;

    LocalStagedUpload(String name, Path file, FileChannel channel) {
      this.name = name;
      this.file = file;
      this.channel = channel;
      this.out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 20);
    }

    @Override
    public String temporaryName() {
      return name;
    }

    @Override
    public OutputStream stream() {
      return out;
    }

    @Override
    public long finish() throws IOException {
      try {
        out.flush();
        channel.force(true);
        long size = channel.size();
        channel.close();
        finished = true;
        return size;
      } catch (IOException e) {
        throw new StoreException("put", "cannot write " + name + " to " + describe() + ": " + e, e);
      }
    }

    @Override
    public void abort() {
      try {
        channel.close();
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // GC removes temporaries that outlive their grace period
      }
    }

    @Override
    public void close() {
      if (!finished) {
        abort();
      }
    }
  }

  @Override
  public void publish(String temporary, String name, long size, Map<String, String> userMetadata) throws IOException {
    BackupStore.checkName(name);
    Path tmp = dir.resolve(checkTemporary(temporary));
    try {
      long actual = Files.size(tmp);
      if (actual != size) {
        throw new StoreException("put", "temporary " + temporary + " in " + describe() + " holds " + actual
            + " bytes, expected " + size + "; it was not finished, take the snapshot again");
      }
      Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new StoreException(
          "put", "the directory " + dir + " does not support atomic renames; use a local filesystem", e);
    } catch (StoreException e) {
      throw e;
    } catch (IOException e) {
      throw new StoreException("put", "cannot rename " + temporary + " to " + name + " in " + describe() + ": " + e, e);
    }
    syncDirectory();
  }

  /** Temporary files left by interrupted puts and staged uploads, for GC. */
  @Override
  public List<StoredObject> listTemporary() throws IOException {
    List<StoredObject> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
      for (Path p : ds) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        out.add(new StoredObject(p.getFileName().toString(), a.size(), a.lastModifiedTime().toInstant()));
      }
    }
    return out;
  }

  /** Deletes a temporary file found by {@link #listTemporary}. */
  @Override
  public void deleteTemporary(String name) throws IOException {
    try {
      Files.deleteIfExists(dir.resolve(checkTemporary(name)));
    } catch (IOException e) {
      throw new StoreException("delete", "cannot delete " + name + " from " + describe() + ": " + e, e);
    }
  }

  private static String checkTemporary(String name) {
    if (name == null || !name.startsWith(TEMP_PREFIX) || name.contains("/") || name.contains("\\")) {
      throw new IllegalArgumentException("not a temporary file name: " + name);
    }
    return name;
  }

  @Override
  public void delete(String name) throws IOException {
    BackupStore.checkName(name);
    try {
      Files.deleteIfExists(dir.resolve(name));
    } catch (IOException e) {
      throw new StoreException("delete", "cannot delete " + name + " from " + describe() + ": " + e, e);
    }
  }

  private Path archiveDir(String archive) {
    return dir.resolve(ARCHIVE_DIR).resolve(BackupStore.checkArchive(archive));
  }

  @Override
  public void archiveCopy(String name, String archive) throws IOException {
    BackupStore.checkName(name);
    Path src = dir.resolve(name);
    Path adir = archiveDir(archive);
    Path dst = adir.resolve(name);
    try {
      long size = Files.size(src);
      if (Files.isRegularFile(dst) && Files.size(dst) == size) {
        return; // a rerun: the copy was made before
      }
      Files.createDirectories(adir);
      Path tmp = adir.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
      try {
        // Objects never change once stored: a hard link is a complete copy that costs nothing.
        try {
          Files.createLink(tmp, src);
        } catch (UnsupportedOperationException | IOException e) {
          Files.copy(src, tmp);
          try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
        Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      syncDirectory(adir);
    } catch (NoSuchFileException e) {
      throw new StoreException("get", "no object " + name + " in " + describe() + " to archive", e);
    } catch (IOException e) {
      throw new StoreException("put", "cannot archive " + name + " into " + adir + ": " + e, e);
    }
  }

  @Override
  public void putArchived(String archive, String name, byte[] content) throws IOException {
    BackupStore.checkName(name);
    Path adir = archiveDir(archive);
    Path tmp = adir.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
    try {
      Files.createDirectories(adir);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(content));
        ch.force(true);
      }
      Files.move(tmp, adir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(adir);
    } catch (IOException e) {
      throw new StoreException("put", "cannot write " + name + " into " + adir + ": " + e, e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public InputStream getArchived(String archive, String name) throws IOException {
    BackupStore.checkName(name);
    Path p = archiveDir(archive).resolve(name);
    try {
      return Files.newInputStream(p);
    } catch (NoSuchFileException e) {
      throw new StoreException("get", "no file " + name + " in archive " + archive + " of " + describe(), e);
    } catch (IOException e) {
      throw new StoreException("get", "cannot read " + p + ": " + e, e);
    }
  }

  @Override
  public List<StoredObject> listArchived(String archive) throws IOException {
    Path adir = archiveDir(archive);
    List<StoredObject> out = new ArrayList<>();
    if (!Files.isDirectory(adir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(adir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.startsWith(".") && Files.isRegularFile(p)) {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          out.add(new StoredObject(n, a.size(), a.lastModifiedTime().toInstant()));
        }
      }
    } catch (IOException e) {
      throw new StoreException("list", "cannot list " + adir + ": " + e, e);
    }
    out.sort(Comparator.comparing(StoredObject::name));
    return out;
  }

  @Override
  public void deleteArchived(String archive, String name) throws IOException {
    BackupStore.checkName(name);
    Path adir = archiveDir(archive);
    try {
      Files.deleteIfExists(adir.resolve(name));
      // The folder is the archive: once no file is left (a crashed write's temporaries aside), it goes.
      if (Files.isDirectory(adir) && listArchived(archive).isEmpty()) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(adir)) {
          for (Path p : ds) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(adir);
      }
    } catch (IOException e) {
      throw new StoreException("delete", "cannot delete " + name + " from archive " + adir + ": " + e, e);
    }
  }

  @Override
  public List<String> listArchives() throws IOException {
    Path root = dir.resolve(ARCHIVE_DIR);
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.startsWith(".") && Files.isDirectory(p)) {
          out.add(n);
        }
      }
    } catch (IOException e) {
      throw new StoreException("list", "cannot list " + root + ": " + e, e);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  @Override
  public void check() throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StoreException("check", "cannot create the store directory " + dir + ": " + e, e);
    }
    if (!Files.isWritable(dir)) {
      throw new StoreException(
          "check", "the store directory " + dir + " is not writable by this process; fix its permissions");
    }
  }
}
