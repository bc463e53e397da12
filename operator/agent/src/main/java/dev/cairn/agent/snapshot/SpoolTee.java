package dev.cairn.agent.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where etcd's snapshot stream goes: the scratch spool file (the revision is read from it at the end)
 * and the one-pass {@link SnapshotDigest}, while {@link #tail()} lets an upload follow the spool as it
 * grows. The spool is the buffer between the two: etcd's stream never waits for the store (a slow
 * store would otherwise hold etcd's snapshot transaction open and stall the client's event loop,
 * which also carries the agent's watch), and memory stays constant whatever the store's speed.
 */
final class SpoolTee extends OutputStream {

  private static final int BUFFER = 256 * 1024;

  private final Path file;
  private final FileChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
  private final SnapshotDigest digest = new SnapshotDigest();
  private final Object lock = new Object();
  // Guarded by lock: what a tail may read, and how the stream ended.
  private long published;
  private boolean ended;
  private Throwable failure;
  private volatile IOException writeFailure;

  SpoolTee(Path file) throws IOException {
    this.file = file;
    this.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  /** Called by the etcd client's stream handler, one message at a time. */
  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (writeFailure != null) {
      return; // jetcd keeps delivering after a failed write; the snapshot is already lost
    }
    try {
      digest.update(b, off, len);
      while (len > 0) {
        int n = Math.min(len, buffer.remaining());
        buffer.put(b, off, n);
        off += n;
        len -= n;
        if (!buffer.hasRemaining()) {
          flushBuffer();
        }
      }
    } catch (IOException e) {
      writeFailure = e;
      fail(e);
      throw e;
    }
  }

  private void flushBuffer() throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
    long pos = channel.position();
    synchronized (lock) {
      published = pos;
      lock.notifyAll();
    }
  }

  /** The etcd stream completed: everything is in the spool. */
  void end() throws IOException {
    if (writeFailure != null) {
      throw writeFailure;
    }
    flushBuffer();
    synchronized (lock) {
      ended = true;
      lock.notifyAll();
    }
  }

  /** The snapshot is abandoned: tails fail with {@code cause}. */
  void fail(Throwable cause) {
    synchronized (lock) {
      if (failure == null) {
        failure = cause;
      }
      lock.notifyAll();
    }
  }

  /** The write failure of the spool file, if any. */
  IOException writeFailure() {
    return writeFailure;
  }

  SnapshotDigest.Result digest() {
    return digest.finish();
  }

  long bytesWritten() {
    return digest.bytesSeen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /**
   * A reader of the spool that waits for more bytes until the stream ends, then reports the end;
   * when the snapshot is abandoned it throws.
   */
  InputStream tail() throws IOException {
    FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
    return new InputStream() {
      private long pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        long available;
        synchronized (lock) {
          while (failure == null && pos >= published && !ended) {
            try {
              lock.wait(1000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new InterruptedIOException("interrupted while following the snapshot spool " + file);
            }
          }
          if (failure != null) {
            throw new IOException("the snapshot stream was abandoned: " + failure.getMessage(), failure);
          }
          available = published - pos;
          if (available <= 0) {
            return -1;
          }
        }
        int n = in.read(ByteBuffer.wrap(b, off, (int) Math.min(len, available)), pos);
        if (n < 0) {
          throw new IOException("the snapshot spool " + file + " is shorter than written; was it deleted?");
        }
        pos += n;
        return n;
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }
}
