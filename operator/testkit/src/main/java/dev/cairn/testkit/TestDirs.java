package dev.cairn.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicInteger;

/** Scratch directories for tests, under the module's {@code target/} so {@code mvn clean} removes them. */
public final class TestDirs {

  private static final AtomicInteger SEQ = new AtomicInteger();

  private TestDirs() {}

  /** A new empty directory {@code target/test-work/<owner>/<name>-<n>}. */
  public static Path create(Class<?> owner, String name) {
    Path base = Path.of("target", "test-work", owner.getSimpleName()).toAbsolutePath();
    Path dir = base.resolve(name + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
    try {
      if (Files.exists(dir)) {
        deleteRecursively(dir);
      }
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create test directory " + dir, e);
    }
  }

  /** Deletes a tree; a missing path is fine. */
  public static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
              Files.delete(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
