package dev.cairn.agent.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.TokenHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token is read at every snapshot and re-hashed only when it changed (an edited Secret). */
class TokenHashFileTest {

  @TempDir Path dir;

  @Test
  void followsTheFileAndHashesOnlyOnChange() throws IOException {
    Path f = dir.resolve("token");
    Files.writeString(f, "first-token\n");
    TokenHashFile t = TokenHashFile.of(f);
    String h1 = t.get();
    assertTrue(TokenHash.matches("first-token", h1));
    assertSame(h1, t.get(), "an unchanged file is not hashed again (a new salt would give another string)");

    Files.writeString(f, "second-token");
    String h2 = t.get();
    assertTrue(TokenHash.matches("second-token", h2), "the edited Secret's token is hashed");
    assertFalse(TokenHash.matches("first-token", h2));
    assertSame(h2, t.get());

    Files.writeString(f, "  second-token \n");
    assertSame(h2, t.get(), "surrounding whitespace is not part of the token");

    Files.writeString(f, "");
    assertSame(h2, t.get(), "an empty file keeps the last good token");
    Files.delete(f);
    assertSame(h2, t.get(), "a missing file keeps the last good token");

    Files.writeString(f, "first-token");
    String h3 = t.get();
    assertTrue(TokenHash.matches("first-token", h3));
    assertNotEquals(h1, h3, "a fresh salt for every new hash");
  }

  @Test
  void aMissingOrEmptyFileAtStartFails() throws IOException {
    IOException missing = assertThrows(IOException.class, () -> TokenHashFile.of(dir.resolve("nope")));
    assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    IOException e = assertThrows(IOException.class, () -> TokenHashFile.of(empty));
    assertEquals("backup token file " + empty + " is empty", e.getMessage());
  }
}
