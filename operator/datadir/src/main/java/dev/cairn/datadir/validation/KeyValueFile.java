package dev.cairn.datadir.validation;

import dev.cairn.datadir.CorruptFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text format of the marker and identity files: UTF-8 lines {@code key=value}, {@code #}
 * comments, and a {@code version} line that readers check before trusting anything else.
 */
final class KeyValueFile {

  private KeyValueFile() {}

  static Map<String, String> read(Path file, int maxBytes) throws IOException {
    long size = Files.size(file);
    if (size > maxBytes) {
      throw new CorruptFileException(file, size + " bytes, more than the " + maxBytes + " such a file can hold");
    }
    String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    Map<String, String> m = new LinkedHashMap<>();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw new CorruptFileException(file, "line " + lineNo + " is not key=value: " + l);
      }
      m.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
    }
    return m;
  }

  static byte[] format(String comment, Map<String, String> values) {
    StringBuilder b = new StringBuilder("# ").append(comment).append('\n');
    values.forEach((k, v) -> {
      if (v != null) {
        if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
          throw new IllegalArgumentException("value of " + k + " contains a line break: " + v);
        }
        b.append(k).append('=').append(v).append('\n');
      }
    });
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
