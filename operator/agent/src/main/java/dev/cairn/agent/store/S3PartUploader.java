package dev.cairn.agent.store;

import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.messages.Part;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream of unknown length uploaded to one S3 key as a multipart upload with several parts in
 * flight at once, in constant memory: one part buffer is filled here, and MinIO copies each part
 * into its own buffer (hashing it for the request signature) before sending it, so at most
 * {@code 1 + partsInFlight} parts are held. Nothing is visible under the key until
 * {@link #finish()} completes the upload; a stream shorter than one part is sent as a single PUT.
 *
 * <p>MinIO's own putObject of a stream uploads one part at a time; on a store that answers each
 * part slowly (hashing it, writing it) overlapping parts is most of the speed-up. Parts go to MinIO
 * as streams, not arrays: an array part gets an extra MD5 pass (about 1 CPU second more per GiB,
 * measured), while the stream's copy costs only garbage (a buffer growing by doubling). Either way a
 * 1.2 GiB full snapshot with 8 MiB parts, 3 in flight, runs in a 96 MiB heap and not in 64 MiB.
 */
final class S3PartUploader extends OutputStream {

  private static final Logger LOG = LoggerFactory.getLogger(S3PartUploader.class);
  /** S3 refuses more parts than this in one upload. */
  static final int MAX_PARTS = 10_000;

  private final MinioAsyncClient client;
  /** For the completion, which waits while some servers concatenate the parts. */
  private final MinioAsyncClient completer;
  private final long completeTimeoutMillis;
  private final String bucket;
  private final String key;
  private final String describe;
  private final int partSize;
  private final int partsInFlight;
  private final Semaphore slots;
  private final List<Part> parts = new ArrayList<>();
  private final long timeoutMillis;
  private byte[] buffer;
  private int filled;
  private long total;
  private String uploadId;
  private volatile Throwable failure;
  private boolean done;
  private final UploadListener listener;

  /** Told when the multipart upload starts and when it completed, so a crash in between can be cleaned up. */
  interface UploadListener {
    void started(String uploadId) throws Exception;

    void completed() throws Exception;
  }

  S3PartUploader(MinioAsyncClient client, MinioAsyncClient completer, String bucket, String key, String describe,
      int partSize, int partsInFlight, long timeoutMillis, long completeTimeoutMillis, UploadListener listener) {
    this.listener = listener;
    this.completer = completer;
    this.completeTimeoutMillis = completeTimeoutMillis;
    this.client = client;
    this.bucket = bucket;
    this.key = key;
    this.describe = describe;
    this.partSize = partSize;
    this.partsInFlight = partsInFlight;
    this.slots = new Semaphore(partsInFlight);
    this.timeoutMillis = timeoutMillis;
    this.buffer = new byte[partSize];
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    check();
    while (len > 0) {
      int n = Math.min(len, partSize - filled);
      System.arraycopy(b, off, buffer, filled, n);
      filled += n;
      off += n;
      len -= n;
      total += n;
      if (filled == partSize) {
        sendPart();
      }
    }
  }

  private void check() throws IOException {
    if (done) {
      throw new IOException("upload of " + key + " to " + describe + " is already finished or aborted");
    }
    Throwable f = failure;
    if (f != null) {
      throw new StoreException("put", "upload of part to " + key + " on " + describe + " failed: " + detail(f), f);
    }
  }

  /** Hands the full buffer to MinIO, which copies it before this returns, then reuses the buffer. */
  private void sendPart() throws IOException {
    try {
      if (uploadId == null) {
        uploadId = client.createMultipartUploadAsync(bucket, null, key, null, null)
            .get(timeoutMillis, TimeUnit.MILLISECONDS).result().uploadId();
        listener.started(uploadId);
      }
      int number;
      synchronized (parts) {
        number = parts.size() + 1;
      }
      if (number > MAX_PARTS) {
        throw new StoreException("put", "upload of " + key + " to " + describe + " needs more than " + MAX_PARTS
            + " parts of " + partSize + " bytes; the object is too large for this part size");
      }
      if (!slots.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw new StoreException("put", "no part of " + key + " finished uploading to " + describe + " within "
            + timeoutMillis + " ms");
      }
      synchronized (parts) {
        parts.add(null);
      }
      int length = filled;
      filled = 0;
      client.uploadPartAsync(bucket, null, key, new ByteArrayInputStream(buffer, 0, length), length, uploadId, number,
              null, null)
          .whenComplete((r, e) -> {
            if (e != null) {
              failure = failure == null ? e : failure;
            } else {
              synchronized (parts) {
                parts.set(number - 1, new Part(number, r.etag()));
              }
            }
            slots.release();
          });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while uploading " + key + " to " + describe);
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      Throwable c = e instanceof ExecutionException ? e.getCause() : e;
      failure = failure == null ? c : failure;
      throw new StoreException("put", "upload of " + key + " to " + describe + " failed: " + detail(c), c);
    }
  }

  /** Uploads what is left, waits for every part and completes the upload; returns the byte count. */
  long finish() throws IOException {
    check();
    try {
      if (uploadId == null) {
        // Shorter than one part: a plain PUT is just as atomic.
        client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(buffer, 0, filled), filled, -1).build())
            .get(timeoutMillis, TimeUnit.MILLISECONDS);
      } else {
        if (filled > 0) {
          sendPart();
        }
        if (!slots.tryAcquire(partsInFlight, timeoutMillis, TimeUnit.MILLISECONDS)) {
          throw new TimeoutException("parts still uploading after " + timeoutMillis + " ms");
        }
        slots.release(partsInFlight);
        check();
        Part[] list;
        synchronized (parts) {
          list = parts.toArray(Part[]::new);
        }
        completer.completeMultipartUploadAsync(bucket, null, key, uploadId, list, null, null)
            .get(completeTimeoutMillis, TimeUnit.MILLISECONDS);
        listener.completed();
      }
      done = true;
      buffer = null;
      return total;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while completing " + key + " on " + describe);
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      Throwable c = e instanceof ExecutionException ? e.getCause() : e;
      throw new StoreException("put", "completing the upload of " + key + " to " + describe + " failed: " + detail(c),
          c);
    }
  }

  /** Abandons the multipart upload so the store drops its parts; best effort. */
  void abort() {
    if (done) {
      return;
    }
    done = true;
    buffer = null;
    if (uploadId == null) {
      return;
    }
    try {
      // Parts still in flight would otherwise land after the abort and linger as an orphan.
      slots.tryAcquire(partsInFlight, Math.min(timeoutMillis, 30_000), TimeUnit.MILLISECONDS);
      client.abortMultipartUploadAsync(bucket, null, key, uploadId, null, null).get(30, TimeUnit.SECONDS);
      listener.completed();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("could not abort the multipart upload of {} on {} (the store or GC drops it later): {}", key, describe,
          e.toString());
    }
  }

  static String detail(Throwable t) {
    if (t instanceof io.minio.errors.ErrorResponseException er && er.errorResponse() != null) {
      return er.errorResponse().code() + ": " + er.errorResponse().message();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
