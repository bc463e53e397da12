package dev.cairn.agent.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where snapshots live: an S3-compatible bucket ({@link S3Store}) or a directory ({@link LocalStore}).
 *
 * <p>Names are relative to the store's prefix and flat (no '/'). Every {@code put} is atomic: until it
 * returns, no reader sees the object, and a failed or interrupted put leaves no object under the
 * name. Listings are sorted by name, whatever order the server returns.
 */
public interface BackupStore extends AutoCloseable {

  /** How many names one {@link #list} call returns at most by default. */
  int DEFAULT_PAGE_SIZE = 1000;

  /** Where the store is, for messages: {@code s3://bucket/prefix} or {@code file:///dir}. Never secrets. */
  String describe();

  /**
   * Stores {@code size} bytes read from {@code data} under {@code name}, atomically.
   *
   * @param size the exact number of bytes, or -1 when unknown (S3 then uploads in parts)
   * @param userMetadata small string facts kept with the object where the store supports it (S3 user
   *     metadata); stores without it ignore them
   */
  void put(String name, InputStream data, long size, Map<String, String> userMetadata) throws IOException;

  /** Stores the content of {@code file} under {@code name}, atomically. */
  default void put(String name, Path file, Map<String, String> userMetadata) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      put(name, in, Files.size(file), userMetadata);
    }
  }

  /** Opens an object for reading; the caller closes the stream. Missing objects throw. */
  InputStream get(String name) throws IOException;

  /** The object, if it exists. */
  Optional<StoredObject> stat(String name) throws IOException;

  /**
   * Up to {@code limit} objects whose names sort after {@code startAfter} (null: from the start), in
   * ascending name order. Names ending in '/' (directory markers) and names starting with '.'
   * (temporary files) are never listed.
   */
  StorePage list(String startAfter, int limit) throws IOException;

  /** Every object, page by page, in ascending name order. */
  default List<StoredObject> listAll() throws IOException {
    List<StoredObject> all = new ArrayList<>();
    String after = null;
    while (true) {
      StorePage page = list(after, DEFAULT_PAGE_SIZE);
      all.addAll(page.objects());
      if (page.nextStartAfter().isEmpty()) {
        return all;
      }
      after = page.nextStartAfter().get();
    }
  }

  /** Deletes an object; deleting a missing object is not an error. */
  void delete(String name) throws IOException;

  /**
   * Starts an upload to a temporary name that no listing returns and no reader trusts: the way a
   * full snapshot is stored while its final name (which holds the revision read from its content)
   * is not known yet. Write the stored bytes to {@link StagedUpload#stream()}, call
   * {@link StagedUpload#finish()}, then {@link #publish} it under its final name. A crash at any
   * point leaves at most a temporary, which {@link #listTemporary()} finds and
   * {@link #deleteTemporary} removes.
   *
   * @param owner a short token ({@code [0-9a-zA-Z]+}, e.g. the etcd member ID) starting the temporary's
   *     name, so that the owner's next run can recognise what it left behind
   */
  StagedUpload stage(String owner) throws IOException;

  /**
   * Makes a finished temporary visible under {@code name}, atomically, carrying {@code userMetadata}
   * (S3: a server-side copy; Local: a rename). The temporary may still exist afterwards: delete it
   * with {@link #deleteTemporary}.
   *
   * @param size the temporary's size, as {@link StagedUpload#finish()} returned it
   */
  void publish(String temporary, String name, long size, Map<String, String> userMetadata) throws IOException;

  /**
   * Whether {@link #publish} rewrites the object on the server (an S3 copy) rather than renaming it.
   * Full snapshots then avoid the temporary when they can (uploading once the name is known).
   */
  default boolean publishRewrites() {
    return false;
  }

  /** Temporaries left in the store, finished or not (S3: incomplete multipart uploads too). */
  List<StoredObject> listTemporary() throws IOException;

  /** Removes a temporary found by {@link #listTemporary()} or made by {@link #stage}; a missing one is fine. */
  void deleteTemporary(String temporary) throws IOException;

  /**
   * The folder below the prefix where a restore to an older point sets the abandoned timeline aside
   * (ADR 0008): {@code archive/ID/NAME}. {@link #list} never returns it (names with a '/'), so no
   * reader of the live chain, and no garbage collection, sees what is in it.
   */
  String ARCHIVE_DIR = "archive";

  /**
   * Copies the live object {@code name} into archive {@code archive} under the same name, keeping its
   * bytes and its user metadata (S3: a server-side copy; Local: a hard link or a copy). The copy is
   * complete or absent; an archived copy of the same size already there is kept (a rerun).
   */
  default void archiveCopy(String name, String archive) throws IOException {
    throw new StoreException("put", describe() + " cannot archive objects");
  }

  /** Writes a small file (a restore's record) into archive {@code archive}, atomically, replacing it. */
  default void putArchived(String archive, String name, byte[] content) throws IOException {
    throw new StoreException("put", describe() + " cannot archive objects");
  }

  /** Opens a file of archive {@code archive}; a missing one throws. */
  default InputStream getArchived(String archive, String name) throws IOException {
    throw new StoreException("get", describe() + " cannot archive objects");
  }

  /** The files of archive {@code archive} (names relative to it), sorted; empty when it does not exist. */
  default List<StoredObject> listArchived(String archive) throws IOException {
    return List.of();
  }

  /** Deletes one file of archive {@code archive}; a missing one is fine. The last one removes the folder. */
  default void deleteArchived(String archive, String name) throws IOException {
    throw new StoreException("delete", describe() + " cannot archive objects");
  }

  /**
   * The user metadata stored with a live object (S3: the {@code x-amz-meta-} headers, without that
   * prefix); empty for stores that keep none. A missing object throws.
   */
  default Map<String, String> userMetadata(String name) throws IOException {
    if (stat(name).isEmpty()) {
      throw new StoreException("stat", "no object " + name + " in " + describe());
    }
    return Map.of();
  }

  /** The archives in the store (their IDs), sorted. */
  default List<String> listArchives() throws IOException {
    return List.of();
  }

  /** Checks an archive ID: it names one folder below {@link #ARCHIVE_DIR}. */
  static String checkArchive(String archive) {
    if (archive == null || !archive.matches("[0-9A-Za-z][0-9A-Za-z._-]{0,127}")) {
      throw new IllegalArgumentException("invalid archive id '" + archive + "': use 1-128 letters, digits, '.', '_'"
          + " or '-', starting with a letter or digit");
    }
    return archive;
  }

  /** Fails with a clear message when the store cannot be reached, the bucket is missing or access is denied. */
  void check() throws IOException;

  @Override
  default void close() {}

  /** An upload in progress to a temporary name (see {@link #stage}). */
  interface StagedUpload extends AutoCloseable {

    /** The temporary's name, for {@link #publish} and {@link #deleteTemporary}. */
    String temporaryName();

    /**
     * Where the stored bytes go. Writes may block while earlier parts are uploaded (bounded memory);
     * a failed upload makes later writes throw.
     */
    java.io.OutputStream stream();

    /** Completes the temporary and returns its size; nothing is published yet. */
    long finish() throws IOException;

    /** Gives up: the temporary is removed as far as the store allows (best effort, never throws). */
    void abort();

    /** Aborts unless {@link #finish()} succeeded. */
    @Override
    void close();
  }

  /** Checks an owner token for {@link #stage}. */
  static String checkOwner(String owner) {
    if (owner == null || !owner.matches("[0-9a-zA-Z]{1,64}")) {
      throw new IllegalArgumentException("invalid temporary owner '" + owner + "': use 1-64 letters or digits");
    }
    return owner;
  }

  /** Rejects names that could escape the prefix or be mistaken for markers and temporary files. */
  static String checkName(String name) {
    if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")
        || name.length() > 512) {
      throw new IllegalArgumentException(
          "invalid object name '" + name + "': names are flat, non-empty, at most 512 characters, without '/' or"
              + " a leading '.'");
    }
    return name;
  }
}
