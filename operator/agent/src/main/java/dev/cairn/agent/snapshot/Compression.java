package dev.cairn.agent.snapshot;

import io.airlift.compress.zstd.ZstdInputStream;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Compression of stored snapshots; restores read all of them. */
public enum Compression {
  NONE("None", ""),
  GZIP("Gzip", ".gz"),
  ZSTD("Zstd", ".zst");

  private final String apiName;
  private final String suffix;

  Compression(String apiName, String suffix) {
    this.apiName = apiName;
    this.suffix = suffix;
  }

  public String apiName() {
    return apiName;
  }

  /** The object name suffix, empty for none. */
  public String suffix() {
    return suffix;
  }

  /** Wraps a sink; closing the result finishes the compressed stream and closes {@code out}. */
  public OutputStream compress(OutputStream out) throws IOException {
    return switch (this) {
      case NONE -> out;
      case GZIP -> new GZIPOutputStream(out, 64 * 1024);
      case ZSTD -> new ZstdOutputStream(out);
    };
  }

  public InputStream decompress(InputStream in) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 64 * 1024);
      case ZSTD -> new ZstdInputStream(in);
    };
  }

  /** Accepts the API spelling (None, Gzip, Zstd) and the lower-case one, as in flags. */
  public static Compression parse(String s) {
    for (Compression c : values()) {
      if (c.apiName.equalsIgnoreCase(s) || c.name().equalsIgnoreCase(s)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown compression '" + s + "': use none, gzip or zstd");
  }

  public static Compression fromSuffix(String suffix) {
    for (Compression c : values()) {
      if (c.suffix.equals(suffix == null ? "" : suffix)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown compression suffix '" + suffix + "'");
  }
}
