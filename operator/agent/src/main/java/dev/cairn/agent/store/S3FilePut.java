package dev.cairn.agent.store;

import io.minio.S3Escaper;
import io.minio.Signer;
import io.minio.credentials.Credentials;
import io.minio.credentials.Provider;
import io.minio.http.HttpUtils;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import okio.Okio;
import okio.Source;

/**
 * One PUT of a file of known size, streamed from disk, signed with SigV4 and an unsigned payload
 * ({@code x-amz-content-sha256: UNSIGNED-PAYLOAD}).
 *
 * <p>Why not MinIO's uploadObject: over plain HTTP MinIO signs the payload's sha256, so it reads every
 * part twice and holds it in memory, sends files above its part size as a multipart upload, and the
 * server then verifies the hash (S3Proxy buffers each signed request body to do so) and, on
 * completion, concatenates the parts into the object, one more full write. Measured on the
 * project's benchmark (docs/backups.md): a 1.25 GiB file took S3Proxy 6.8 CPU seconds and the client
 * 4 as a multipart upload, and 3.1 and 0.2 as this single PUT. Over HTTPS MinIO sends unsigned
 * payloads itself; TLS protects the bytes. Over plain HTTP only TCP's checksum does, as for any
 * unsigned upload; the snapshot's sha256 in its metadata file is what restores verify.
 *
 * <p>S3 takes at most 5 GiB in one PUT; larger files are the caller's to send in parts.
 */
final class S3FilePut {

  /** The largest object S3 accepts in one PUT. */
  static final long MAX_SIZE = 5L * 1024 * 1024 * 1024;

  /** Bodies from this size on wait for the server's 100 Continue before they are sent. */
  static final long EXPECT_CONTINUE_FROM = 1024 * 1024;

  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final String UNSIGNED = "UNSIGNED-PAYLOAD";
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");
  private static final Pattern CODE = Pattern.compile("<Code>([^<]{0,200})</Code>");
  private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]{0,500})</Message>");

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(S3FilePut.class);

  private final OkHttpClient http;
  private final S3Config config;
  private final Provider credentials;
  /**
   * Cleared for good once the endpoint (or a proxy before it) let a request with {@code Expect:
   * 100-continue} wait until the read timeout without an answer: it waits for the body instead of
   * answering the headers, so asking first only costs a timeout per upload.
   */
  private volatile boolean expectContinue = true;

  S3FilePut(OkHttpClient http, S3Config config, Provider credentials) {
    this.http = http;
    this.config = config;
    this.credentials = credentials;
  }

  /**
   * The URL of {@code key}: path style ({@code endpoint/bucket/key}) or virtual-host style, chosen as
   * the MinIO client (which does every other request) chooses, so that both address the same bucket.
   */
  HttpUrl url(String key) {
    HttpUrl base = HttpUrl.get(config.endpointOrDefault().toString());
    HttpUrl.Builder b = base.newBuilder().encodedPath("/");
    if (virtualHostStyle(base, config.bucket(), config.pathStyle())) {
      b.host(config.bucket() + "." + base.host());
    } else {
      b.addEncodedPathSegment(S3Escaper.encode(config.bucket()));
    }
    return b.addEncodedPathSegments(S3Escaper.encodePath(key)).build();
  }

  /**
   * MinIO 8.6's rule (MinioAsyncClient.Builder.setBaseUrl and S3Base.buildUrl): virtual-host style
   * only for Amazon S3 and Aliyun OSS endpoints unless path style is forced; any other endpoint
   * (MinIO, Ceph, S3Proxy, an in-cluster service name) is addressed path style whatever pathStyle
   * says, since {@code bucket.minio.ns.svc} would not resolve. A dotted bucket over HTTPS is path
   * style too: it does not fit a TLS wildcard certificate as a host label.
   */
  static boolean virtualHostStyle(HttpUrl endpoint, String bucket, boolean pathStyle) {
    if (pathStyle || bucket.contains(".") && endpoint.isHttps()) {
      return false;
    }
    String host = endpoint.host();
    return isAwsS3Host(host) || host.endsWith("aliyuncs.com");
  }

  /** Whether MinIO takes {@code host} for an Amazon S3 endpoint (an ELB name is not one). */
  private static boolean isAwsS3Host(String host) {
    return HttpUtils.HOSTNAME_REGEX.matcher(host).find()
        && !HttpUtils.AWS_ELB_ENDPOINT_REGEX.matcher(host).find()
        && HttpUtils.AWS_ENDPOINT_REGEX.matcher(host).find()
        && HttpUtils.AWS_S3_ENDPOINT_REGEX.matcher(host).find();
  }

  /**
   * Stores {@code size} bytes of {@code file} under {@code key} with {@code userMetadata} (without the
   * {@code x-amz-meta-} prefix). The file must not change meanwhile.
   */
  void put(String key, Path file, long size, Map<String, String> userMetadata) throws IOException {
    boolean expect = expectContinue && size >= EXPECT_CONTINUE_FROM;
    Progress progress = new Progress();
    try {
      put(key, file, size, userMetadata, expect, progress);
    } catch (java.io.InterruptedIOException e) {
      if (!expect || !progress.headersSent || progress.bodyStarted || Thread.currentThread().isInterrupted()) {
        throw e; // a connect or TLS timeout, a slow answer after the body, an interrupt: not this case
      }
      // The headers went, then the wait for an answer timed out before the body was asked for: no 100
      // Continue and no refusal either. That is an endpoint that ignores Expect (RFC 9110 lets a
      // server do so, and the client must not wait for ever): send bodies at once from now on, and
      // this one again now. Nothing of the body was sent, so nothing is sent twice.
      expectContinue = false;
      LOG.warn("the S3 endpoint {} did not answer 'Expect: 100-continue' before the read timeout ({}); sending"
          + " upload bodies without asking first from now on", url(key).host(), e.toString());
      put(key, file, size, userMetadata, false, new Progress());
    }
  }

  /** How far one request got: its headers on the wire, its body asked for. */
  private static final class Progress extends okhttp3.EventListener {
    volatile boolean headersSent;
    volatile boolean bodyStarted;

    @Override
    public void requestHeadersEnd(okhttp3.Call call, Request request) {
      headersSent = true;
    }
  }

  /** Whether large uploads still ask for 100 Continue first (false once the endpoint ignored it). */
  boolean expectsContinue() {
    return expectContinue;
  }

  private void put(String key, Path file, long size, Map<String, String> userMetadata, boolean expect,
      Progress progress) throws IOException {
    if (size > MAX_SIZE) {
      throw new IllegalArgumentException(file + " has " + size + " bytes, more than one PUT takes (" + MAX_SIZE + ")");
    }
    Credentials creds = credentials.fetch();
    if (creds == null) {
      throw new IOException("no S3 credentials available (files, environment or instance role)");
    }
    HttpUrl url = url(key);
    Request.Builder rb = new Request.Builder()
        .url(url)
        .put(fileBody(file, size, progress))
        .header("Host", HttpUtils.getHostHeader(url))
        .header("x-amz-date", AMZ_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)))
        .header("x-amz-content-sha256", UNSIGNED)
        .header("Content-Type", OCTETS.toString());
    if (expect) {
      // The server answers the headers first: a refusal (credentials, bucket) then arrives as S3's
      // own error before a GiB is sent, not as a connection reset in the middle of the body.
      rb.header("Expect", "100-continue");
    }
    if (creds.sessionToken() != null && !creds.sessionToken().isEmpty()) {
      rb.header("x-amz-security-token", creds.sessionToken());
    }
    userMetadata.forEach((k, v) -> rb.header("x-amz-meta-" + k, v));
    Request signed;
    try {
      signed = Signer.signV4S3(rb.build(), config.regionOrDefault(), creds.accessKey(), creds.secretKey(), UNSIGNED);
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot sign the S3 request: " + e.getMessage(), e);
    }
    // The client shares the connection pool; the listener only watches this call's progress.
    try (Response r = http.newBuilder().eventListener(progress).build().newCall(signed).execute()) {
      if (!r.isSuccessful()) {
        throw new StoreException("put", "HTTP " + r.code() + " " + errorDetail(r.peekBody(8192).string()));
      }
    }
  }

  /** S3's error code and message from an error body; never the request or its signature. */
  static String errorDetail(String body) {
    Matcher c = CODE.matcher(body);
    Matcher m = MESSAGE.matcher(body);
    String code = c.find() ? c.group(1) : "";
    String message = m.find() ? m.group(1) : "";
    return code.isEmpty() && message.isEmpty() ? "(no S3 error in the answer)" : code + ": " + message;
  }

  private static RequestBody fileBody(Path file, long size, Progress progress) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return OCTETS;
      }

      @Override
      public long contentLength() {
        return size;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        progress.bodyStarted = true;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            Source src = Okio.source(java.nio.channels.Channels.newInputStream(ch))) {
          long left = size;
          while (left > 0) {
            long n = src.read(sink.getBuffer(), Math.min(left, 1 << 16));
            if (n < 0) {
              throw new IOException(file + " ended " + left + " bytes early; did it change during the upload?");
            }
            left -= n;
            sink.emitCompleteSegments();
          }
        }
      }
    };
  }
}
