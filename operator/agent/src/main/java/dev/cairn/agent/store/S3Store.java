package dev.cairn.agent.store;

import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.Directive;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.credentials.AwsEnvironmentProvider;
import io.minio.credentials.ChainedProvider;
import io.minio.credentials.IamAwsProvider;
import io.minio.credentials.Provider;
import io.minio.credentials.StaticProvider;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import io.minio.messages.Upload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup store in an S3-compatible bucket, through the MinIO Java client. Objects of unknown size
 * are uploaded in parts; S3 makes a multipart upload visible only when it completes, so an agent
 * killed mid-upload leaves nothing under the name.
 *
 * <p>Listings are read in full and sorted here: some S3-compatible servers (S3Proxy's filesystem
 * backend) return keys unsorted and include directory markers, which are skipped.
 *
 * <p>Staged uploads (full snapshots) go to {@code PREFIX/.tmp/OWNER-TIME-RANDOM}, which listings
 * skip, as a multipart upload with several parts in flight; publishing is a server-side copy to the
 * final name that also sets the user metadata (a multipart copy of ranges above 5 GiB).
 */
public final class S3Store implements BackupStore {

  private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);

  /** Part size for uploads of unknown length: MinIO buffers one part in memory, so keep it modest. */
  public static final long PART_SIZE = 16L * 1024 * 1024;
  /** Temporaries live under this "directory" below the prefix; listings skip every name with a '/'. */
  public static final String TEMP_DIR = ".tmp/";
  /**
   * Beside a temporary whose multipart upload is in progress: a small object holding the upload ID.
   * Not every S3-compatible server lists incomplete multipart uploads (S3Proxy answers 501), so
   * without it the parts of a crashed upload could not be found and aborted.
   */
  static final String UPLOAD_MARKER = ".upload-id";
  /**
   * Read timeout of requests whose answer waits until the server has copied or concatenated a whole
   * object (CopyObject, UploadPartCopy, CompleteMultipartUpload): some servers (S3Proxy) send nothing
   * until they are done, and a copy of GiBs on a busy server takes minutes. Under the client's usual
   * 2 minutes such a copy times out and is retried from scratch while the server still runs the
   * first; once a 1.2 GiB snapshot spent 14 minutes publishing that way (benchmark on a loaded
   * machine; the likely cause, its log was not kept).
   */
  static final Duration WHOLE_OBJECT_TIMEOUT = Duration.ofMinutes(30);
  /** The largest object S3 copies in one request. */
  public static final long MAX_SINGLE_COPY = 5L * 1024 * 1024 * 1024;

  /**
   * How staged uploads and publishing use the store.
   *
   * @param partSize bytes per part of a staged upload (at least 5 MiB, S3's minimum); memory use is
   *     about {@code partSize * (1 + partsInFlight)}
   * @param partsInFlight parts uploading at the same time
   * @param singleCopyLimit objects up to this size are published with one CopyObject, larger ones
   *     with a multipart copy of {@code copyPartSize} ranges
   * @param copyPartSize range size of a multipart copy (5 MiB to 5 GiB)
   * @param requestTimeout longest wait for one request of a staged upload
   */
  public record Tuning(int partSize, int partsInFlight, long singleCopyLimit, long copyPartSize, Duration requestTimeout) {
    public Tuning {
      if (partSize < 5 * 1024 * 1024 || partsInFlight < 1 || copyPartSize < 5L * 1024 * 1024
          || copyPartSize > MAX_SINGLE_COPY || singleCopyLimit > MAX_SINGLE_COPY) {
        throw new IllegalArgumentException("invalid S3 tuning " + this);
      }
    }

    /**
     * 8 MiB parts, 3 in flight: measured best on the project's benchmark (docs/backups.md) while
     * keeping the heap small. {@code -Dcairn.s3.partSizeMiB} and {@code -Dcairn.s3.partsInFlight}
     * override them, for benchmarking only.
     */
    public static Tuning defaults() {
      int mib = Integer.getInteger("cairn.s3.partSizeMiB", 8);
      int inFlight = Integer.getInteger("cairn.s3.partsInFlight", 3);
      return new Tuning(mib * 1024 * 1024, inFlight, MAX_SINGLE_COPY, 1024L * 1024 * 1024, Duration.ofMinutes(5));
    }
  }

  private final S3Config config;
  private final MinioClient client;
  private final MinioAsyncClient async;
  /** The async client with {@link #WHOLE_OBJECT_TIMEOUT}; same connection pool. */
  private final MinioAsyncClient wholeObject;
  private final Tuning tuning;
  /** Files up to 5 GiB: one streamed PUT with an unsigned payload. */
  private final S3FilePut filePut;

  public S3Store(S3Config config, S3Credentials credentials) throws IOException {
    this(config, credentials, Tuning.defaults());
  }

  public S3Store(S3Config config, S3Credentials credentials, Tuning tuning) throws IOException {
    this.config = config;
    this.tuning = tuning;
    Provider provider =
        credentials != null
            ? new StaticProvider(credentials.accessKey(), credentials.secretKey(), credentials.sessionToken())
            : new ChainedProvider(new AwsEnvironmentProvider(), new IamAwsProvider(null, null));
    OkHttpClient http = httpClient(config.caFile());
    MinioClient.Builder b =
        MinioClient.builder()
            .endpoint(config.endpointOrDefault().toString())
            .region(config.regionOrDefault())
            .credentialsProvider(provider)
            .httpClient(http, true);
    this.client = b.build();
    // The low-level multipart calls are public only on the async client; it shares the HTTP client.
    this.async =
        MinioAsyncClient.builder()
            .endpoint(config.endpointOrDefault().toString())
            .region(config.regionOrDefault())
            .credentialsProvider(provider)
            .httpClient(http, true)
            .build();
    this.wholeObject =
        MinioAsyncClient.builder()
            .endpoint(config.endpointOrDefault().toString())
            .region(config.regionOrDefault())
            .credentialsProvider(provider)
            .httpClient(http, false)
            .build();
    wholeObject.setTimeout(http.connectTimeoutMillis(), http.writeTimeoutMillis(), WHOLE_OBJECT_TIMEOUT.toMillis());
    this.filePut = new S3FilePut(http, config, provider);
    if (config.pathStyle()) {
      client.disableVirtualStyleEndpoint();
      async.disableVirtualStyleEndpoint();
      wholeObject.disableVirtualStyleEndpoint();
    }
  }

  private static OkHttpClient httpClient(Path caFile) throws IOException {
    OkHttpClient.Builder b =
        new OkHttpClient.Builder()
            .connectTimeout(10, TimeUnit.SECONDS)
            .writeTimeout(2, TimeUnit.MINUTES)
            .readTimeout(2, TimeUnit.MINUTES)
            .retryOnConnectionFailure(false);
    if (caFile != null) {
      try {
        X509TrustManager tm = trustManager(caFile);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, null);
        b.sslSocketFactory(ctx.getSocketFactory(), tm);
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot use the CA bundle " + caFile + " for the S3 endpoint: " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  /** A trust manager that trusts exactly the certificates in a PEM bundle. */
  static X509TrustManager trustManager(Path caFile) throws IOException, GeneralSecurityException {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(caFile)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    if (certs.isEmpty()) {
      throw new IOException("the CA bundle " + caFile + " holds no PEM certificate");
    }
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (Certificate c : certs) {
      ks.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 trust manager available");
  }

  public S3Config config() {
    return config;
  }

  @Override
  public String describe() {
    return config.describe();
  }

  private String key(String name) {
    return config.prefix().isEmpty() ? name : config.prefix() + "/" + name;
  }

  private String listPrefix() {
    return config.prefix().isEmpty() ? "" : config.prefix() + "/";
  }

  @Override
  public void put(String name, InputStream data, long size, Map<String, String> userMetadata) throws IOException {
    BackupStore.checkName(name);
    try {
      client.putObject(
          PutObjectArgs.builder()
              .bucket(config.bucket())
              .object(key(name))
              .stream(data, size, size < 0 ? PART_SIZE : -1)
              .userMetadata(userMetadata == null ? Map.of() : userMetadata)
              .build());
    } catch (Exception e) {
      throw failure("put", name, e);
    }
  }

  @Override
  public void put(String name, Path file, Map<String, String> userMetadata) throws IOException {
    BackupStore.checkName(name);
    Map<String, String> meta = userMetadata == null ? Map.of() : userMetadata;
    long size = Files.size(file);
    if (size <= S3FilePut.MAX_SIZE) {
      try {
        filePut.put(key(name), file, size, meta);
        return;
      } catch (StoreException e) {
        throw new StoreException("put", "put " + name + " on " + describe() + " failed: " + e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        throw failure("put", name, e);
      }
    }
    try {
      // Above what one PUT takes: MinIO's multipart upload (it reads each part twice, hash then send,
      // instead of holding it on the heap).
      client.uploadObject(
          UploadObjectArgs.builder()
              .bucket(config.bucket())
              .object(key(name))
              .filename(file.toString(), 0)
              .userMetadata(meta)
              .build());
    } catch (Exception e) {
      throw failure("put", name, e);
    }
  }

  @Override
  public InputStream get(String name) throws IOException {
    BackupStore.checkName(name);
    try {
      return client.getObject(GetObjectArgs.builder().bucket(config.bucket()).object(key(name)).build());
    } catch (Exception e) {
      throw failure("get", name, e);
    }
  }

  @Override
  public Optional<StoredObject> stat(String name) throws IOException {
    BackupStore.checkName(name);
    try {
      StatObjectResponse r =
          client.statObject(StatObjectArgs.builder().bucket(config.bucket()).object(key(name)).build());
      return Optional.of(new StoredObject(name, r.size(), r.lastModified().toInstant()));
    } catch (ErrorResponseException e) {
      if (isMissing(e)) {
        return Optional.empty();
      }
      throw failure("stat", name, e);
    } catch (Exception e) {
      throw failure("stat", name, e);
    }
  }

  @Override
  public StorePage list(String startAfter, int limit) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    String prefix = listPrefix();
    List<StoredObject> all = new ArrayList<>();
    try {
      // With the "/" delimiter the server returns archive/, .tmp/ and any other folder as one common
      // prefix each (skipped below as directories) instead of paging through everything in them:
      // archives are kept for as long as the archive retention says (forever by default) and can grow far larger than the live store.
      Iterable<Result<Item>> results =
          client.listObjects(
              ListObjectsArgs.builder().bucket(config.bucket()).prefix(prefix).recursive(false).maxKeys(1000).build());
      for (Result<Item> r : results) {
        Item it = r.get();
        String k = it.objectName();
        if (it.isDir() || k.endsWith("/") || !k.startsWith(prefix)) {
          continue;
        }
        String name = k.substring(prefix.length());
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
          continue;
        }
        if (startAfter != null && name.compareTo(startAfter) <= 0) {
          continue;
        }
        all.add(new StoredObject(name, it.size(), it.lastModified().toInstant()));
      }
    } catch (Exception e) {
      throw failure("list", prefix + "*", e);
    }
    all.sort(Comparator.comparing(StoredObject::name));
    List<StoredObject> page = all.subList(0, Math.min(limit, all.size()));
    Optional<String> next = all.size() > limit ? Optional.of(page.get(page.size() - 1).name()) : Optional.empty();
    return new StorePage(page, next);
  }

  @Override
  public void delete(String name) throws IOException {
    BackupStore.checkName(name);
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(config.bucket()).object(key(name)).build());
    } catch (Exception e) {
      throw failure("delete", name, e);
    }
  }

  @Override
  public StagedUpload stage(String owner) throws IOException {
    String name = TEMP_DIR + Temporaries.newBaseName(owner, java.time.Instant.now());
    String markerKey = key(name) + UPLOAD_MARKER;
    S3PartUploader up = new S3PartUploader(async, wholeObject, config.bucket(), key(name), describe(), tuning.partSize(),
        tuning.partsInFlight(), tuning.requestTimeout().toMillis(), WHOLE_OBJECT_TIMEOUT.toMillis(),
        new S3PartUploader.UploadListener() {
          @Override
          public void started(String uploadId) throws Exception {
            byte[] id = uploadId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            client.putObject(PutObjectArgs.builder().bucket(config.bucket()).object(markerKey)
                .stream(new java.io.ByteArrayInputStream(id), id.length, -1).build());
          }

          @Override
          public void completed() throws Exception {
            client.removeObject(RemoveObjectArgs.builder().bucket(config.bucket()).object(markerKey).build());
          }
        });
    return new StagedUpload() {
      private boolean finished;

      @Override
      public String temporaryName() {
        return name;
      }

      @Override
      public java.io.OutputStream stream() {
        return up;
      }

      @Override
      public long finish() throws IOException {
        long size = up.finish();
        finished = true;
        return size;
      }

      @Override
      public void abort() {
        up.abort();
      }

      @Override
      public void close() {
        if (!finished) {
          up.abort();
        }
      }
    };
  }

  @Override
  public void publish(String temporary, String name, long size, Map<String, String> userMetadata) throws IOException {
    BackupStore.checkName(name);
    String src = key(checkTemporary(temporary));
    Map<String, String> meta = userMetadata == null ? Map.of() : userMetadata;
    // A retry after a timeout: the server may have finished the earlier copy after the client gave up.
    Optional<StoredObject> before = stat(name);
    if (before.isPresent() && before.get().size() == size) {
      return;
    }
    try {
      if (size <= tuning.singleCopyLimit()) {
        wholeObject.copyObject(
            CopyObjectArgs.builder()
                .bucket(config.bucket())
                .object(key(name))
                .source(CopySource.builder().bucket(config.bucket()).object(src).build())
                .metadataDirective(Directive.REPLACE)
                .userMetadata(meta)
                .build()).get();
      } else {
        rangeCopy(src, key(name), size, meta);
      }
    } catch (ExecutionException e) {
      throw failure("put", name + " (copy of " + temporary + ")", e.getCause() instanceof Exception c ? c : e);
    } catch (Exception e) {
      throw failure("put", name + " (copy of " + temporary + ")", e);
    }
    // A copy that reports success but is short would publish a broken snapshot; a HEAD is cheap.
    Optional<StoredObject> done = stat(name);
    if (done.isEmpty() || done.get().size() != size) {
      throw new StoreException("put", "copy of " + temporary + " to " + name + " on " + describe() + " left "
          + done.map(o -> o.size() + " bytes").orElse("no object") + ", expected " + size + " bytes");
    }
  }

  /**
   * A multipart copy (UploadPartCopy) of {@code copyPartSize} ranges, {@code partsInFlight} at a time:
   * CopyObject stops at 5 GiB, and copying ranges in parallel is faster on stores that copy slowly.
   */
  private void rangeCopy(String srcKey, String dstKey, long size, Map<String, String> meta) throws Exception {
    com.google.common.collect.Multimap<String, String> headers = com.google.common.collect.HashMultimap.create();
    meta.forEach((k, v) -> headers.put("x-amz-meta-" + k, v));
    long timeout = WHOLE_OBJECT_TIMEOUT.toMillis();
    String uploadId = async.createMultipartUploadAsync(config.bucket(), null, dstKey, headers, null)
        .get(timeout, TimeUnit.MILLISECONDS).result().uploadId();
    int count = (int) ((size + tuning.copyPartSize() - 1) / tuning.copyPartSize());
    io.minio.messages.Part[] parts = new io.minio.messages.Part[count];
    java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(tuning.partsInFlight());
    java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
    try {
      for (int i = 0; i < count && failed.get() == null; i++) {
        long off = i * tuning.copyPartSize();
        long end = Math.min(size, off + tuning.copyPartSize()) - 1;
        var h = CopySource.builder().bucket(config.bucket()).object(srcKey).build().genCopyHeaders();
        h.put("x-amz-copy-source-range", "bytes=" + off + "-" + end);
        if (!slots.tryAcquire(timeout, TimeUnit.MILLISECONDS)) {
          throw new java.util.concurrent.TimeoutException("no range copy finished within " + timeout + " ms");
        }
        int number = i + 1;
        wholeObject.uploadPartCopyAsync(config.bucket(), null, dstKey, uploadId, number, h, null).whenComplete((r, e) -> {
          if (e != null) {
            failed.compareAndSet(null, e);
          } else {
            parts[number - 1] = new io.minio.messages.Part(number, r.result().etag());
          }
          slots.release();
        });
      }
      if (!slots.tryAcquire(tuning.partsInFlight(), timeout, TimeUnit.MILLISECONDS)) {
        throw new java.util.concurrent.TimeoutException("range copies still running after " + timeout + " ms");
      }
      if (failed.get() != null) {
        throw failed.get() instanceof Exception ex ? ex : new IOException(failed.get());
      }
      wholeObject.completeMultipartUploadAsync(config.bucket(), null, dstKey, uploadId, parts, null, null)
          .get(timeout, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      try {
        async.abortMultipartUploadAsync(config.bucket(), null, dstKey, uploadId, null, null).get(1, TimeUnit.MINUTES);
      } catch (Exception ignored) {
        // nothing is visible under the name until completion; the store drops the parts later
      }
      throw e instanceof ExecutionException && e.getCause() instanceof Exception c ? c : e;
    }
  }

  /** A server-side copy: S3Proxy and MinIO read and write the whole object again. */
  @Override
  public boolean publishRewrites() {
    return true;
  }

  @Override
  public List<StoredObject> listTemporary() throws IOException {
    String prefix = listPrefix() + TEMP_DIR;
    TreeMap<String, StoredObject> out = new TreeMap<>();
    try {
      for (Result<Item> r : client.listObjects(
          ListObjectsArgs.builder().bucket(config.bucket()).prefix(prefix).recursive(true).build())) {
        Item it = r.get();
        String k = it.objectName();
        if (it.isDir() || k.endsWith("/") || !k.startsWith(prefix) || k.substring(prefix.length()).contains("/")) {
          continue;
        }
        String name = k.substring(listPrefix().length());
        if (name.endsWith(UPLOAD_MARKER)) {
          name = name.substring(0, name.length() - UPLOAD_MARKER.length());
          out.putIfAbsent(name, new StoredObject(name, 0, it.lastModified().toInstant()));
        } else {
          out.put(name, new StoredObject(name, it.size(), it.lastModified().toInstant()));
        }
      }
    } catch (Exception e) {
      throw failure("list", prefix + "*", e);
    }
    for (Upload u : incompleteUploads(prefix)) {
      String name = u.objectName().substring(listPrefix().length());
      java.time.Instant started = u.initiated() == null ? java.time.Instant.EPOCH : u.initiated().toInstant();
      out.putIfAbsent(name, new StoredObject(name, 0, started));
    }
    return new ArrayList<>(out.values());
  }

  /** Multipart uploads never completed or aborted under {@code prefix} (a crashed staged upload). */
  private List<Upload> incompleteUploads(String prefix) {
    List<Upload> out = new ArrayList<>();
    String keyMarker = null;
    String idMarker = null;
    try {
      while (true) {
        var res = async.listMultipartUploadsAsync(config.bucket(), null, null, null, keyMarker, 1000, prefix, idMarker,
            null, null).get(1, TimeUnit.MINUTES).result();
        for (Upload u : res.uploads() == null ? List.<Upload>of() : res.uploads()) {
          if (u.objectName() != null && u.objectName().startsWith(prefix)) {
            out.add(u);
          }
        }
        if (!res.isTruncated() || res.nextKeyMarker() == null) {
          return out;
        }
        keyMarker = res.nextKeyMarker();
        idMarker = res.nextUploadIdMarker();
      }
    } catch (Exception e) {
      // Some S3-compatible servers do not list multipart uploads; a bucket lifecycle rule
      // (AbortIncompleteMultipartUpload) then drops crashed uploads.
      LOG.debug("cannot list incomplete multipart uploads under {} on {}: {}", prefix, describe(), e.toString());
      return out;
    }
  }

  @Override
  public void deleteTemporary(String temporary) throws IOException {
    String k = key(checkTemporary(temporary));
    List<String> uploadIds = new ArrayList<>();
    try (InputStream in = client.getObject(
        GetObjectArgs.builder().bucket(config.bucket()).object(k + UPLOAD_MARKER).build())) {
      uploadIds.add(new String(in.readNBytes(1024), java.nio.charset.StandardCharsets.UTF_8).strip());
    } catch (ErrorResponseException e) {
      if (!isMissing(e)) {
        throw failure("get", temporary + UPLOAD_MARKER, e);
      }
    } catch (Exception e) {
      throw failure("get", temporary + UPLOAD_MARKER, e);
    }
    for (Upload u : incompleteUploads(k)) {
      if (u.objectName().equals(k) && !uploadIds.contains(u.uploadId())) {
        uploadIds.add(u.uploadId());
      }
    }
    for (String id : uploadIds) {
      try {
        async.abortMultipartUploadAsync(config.bucket(), null, k, id, null, null).get(1, TimeUnit.MINUTES);
      } catch (Exception e) {
        Throwable c = e instanceof ExecutionException ? e.getCause() : e;
        if (!(c instanceof ErrorResponseException er && isMissing(er))) {
          throw failure("delete", temporary + " (incomplete upload)", c instanceof Exception ce ? ce : e);
        }
      }
    }
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(config.bucket()).object(k + UPLOAD_MARKER).build());
      client.removeObject(RemoveObjectArgs.builder().bucket(config.bucket()).object(k).build());
    } catch (Exception e) {
      throw failure("delete", temporary, e);
    }
  }

  /** Whether S3 answered that the key or upload does not exist. */
  private static boolean isMissing(ErrorResponseException e) {
    String code = e.errorResponse() == null ? "" : e.errorResponse().code();
    return "NoSuchKey".equals(code) || "NoSuchUpload".equals(code) || "NoSuchObject".equals(code)
        || e.response() != null && e.response().code() == 404;
  }

  private static String checkTemporary(String name) {
    if (name == null || !name.startsWith(TEMP_DIR) || name.length() == TEMP_DIR.length()
        || name.substring(TEMP_DIR.length()).contains("/") || name.contains("..")) {
      throw new IllegalArgumentException("not a temporary name: " + name);
    }
    return name;
  }

  private String archiveKey(String archive, String name) {
    return key(ARCHIVE_DIR + "/" + BackupStore.checkArchive(archive) + "/" + BackupStore.checkName(name));
  }

  @Override
  public void archiveCopy(String name, String archive) throws IOException {
    BackupStore.checkName(name);
    String dst = archiveKey(archive, name);
    String what = name + " (archive " + archive + ")";
    StatObjectResponse src;
    try {
      src = client.statObject(StatObjectArgs.builder().bucket(config.bucket()).object(key(name)).build());
    } catch (Exception e) {
      throw failure("stat", name, e);
    }
    Optional<Long> existing = statKey(dst, what);
    if (existing.isPresent() && existing.get() == src.size()) {
      return; // a rerun: the copy was made before
    }
    try {
      if (src.size() <= tuning.singleCopyLimit()) {
        // Directive COPY (the default) keeps the user metadata as it is.
        wholeObject.copyObject(
            CopyObjectArgs.builder()
                .bucket(config.bucket())
                .object(dst)
                .source(CopySource.builder().bucket(config.bucket()).object(key(name)).build())
                .build()).get();
      } else {
        rangeCopy(key(name), dst, src.size(), src.userMetadata());
      }
    } catch (ExecutionException e) {
      throw failure("put", what, e.getCause() instanceof Exception c ? c : e);
    } catch (Exception e) {
      throw failure("put", what, e);
    }
    Optional<Long> done = statKey(dst, what);
    if (done.isEmpty() || done.get() != src.size()) {
      throw new StoreException("put", "archive copy of " + name + " on " + describe() + " left "
          + done.map(n -> n + " bytes").orElse("no object") + ", expected " + src.size() + " bytes");
    }
  }

  private Optional<Long> statKey(String k, String what) throws IOException {
    try {
      return Optional.of(client.statObject(StatObjectArgs.builder().bucket(config.bucket()).object(k).build()).size());
    } catch (ErrorResponseException e) {
      if (isMissing(e)) {
        return Optional.empty();
      }
      throw failure("stat", what, e);
    } catch (Exception e) {
      throw failure("stat", what, e);
    }
  }

  @Override
  public void putArchived(String archive, String name, byte[] content) throws IOException {
    try {
      client.putObject(PutObjectArgs.builder().bucket(config.bucket()).object(archiveKey(archive, name))
          .stream(new java.io.ByteArrayInputStream(content), content.length, -1).build());
    } catch (Exception e) {
      throw failure("put", name + " (archive " + archive + ")", e);
    }
  }

  @Override
  public InputStream getArchived(String archive, String name) throws IOException {
    try {
      return client.getObject(GetObjectArgs.builder().bucket(config.bucket()).object(archiveKey(archive, name)).build());
    } catch (Exception e) {
      throw failure("get", name + " (archive " + archive + ")", e);
    }
  }

  @Override
  public List<StoredObject> listArchived(String archive) throws IOException {
    String prefix = listPrefix() + ARCHIVE_DIR + "/" + BackupStore.checkArchive(archive) + "/";
    List<StoredObject> out = new ArrayList<>();
    try {
      for (Result<Item> r : client.listObjects(
          ListObjectsArgs.builder().bucket(config.bucket()).prefix(prefix).recursive(true).build())) {
        Item it = r.get();
        String k = it.objectName();
        if (it.isDir() || k.endsWith("/") || !k.startsWith(prefix) || k.substring(prefix.length()).contains("/")) {
          continue;
        }
        out.add(new StoredObject(k.substring(prefix.length()), it.size(), it.lastModified().toInstant()));
      }
    } catch (Exception e) {
      throw failure("list", prefix + "*", e);
    }
    out.sort(Comparator.comparing(StoredObject::name));
    return out;
  }

  @Override
  public void deleteArchived(String archive, String name) throws IOException {
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(config.bucket()).object(archiveKey(archive, name)).build());
    } catch (Exception e) {
      throw failure("delete", name + " (archive " + archive + ")", e);
    }
  }

  @Override
  public Map<String, String> userMetadata(String name) throws IOException {
    BackupStore.checkName(name);
    try {
      return new TreeMap<>(
          client.statObject(StatObjectArgs.builder().bucket(config.bucket()).object(key(name)).build()).userMetadata());
    } catch (Exception e) {
      throw failure("stat", name, e);
    }
  }

  @Override
  public List<String> listArchives() throws IOException {
    String prefix = listPrefix() + ARCHIVE_DIR + "/";
    java.util.TreeSet<String> ids = new java.util.TreeSet<>();
    try {
      // One level (delimiter '/'): the archives' folders, not the objects in them.
      for (Result<Item> r : client.listObjects(
          ListObjectsArgs.builder().bucket(config.bucket()).prefix(prefix).recursive(false).build())) {
        String k = r.get().objectName();
        if (!k.startsWith(prefix)) {
          continue;
        }
        String rest = k.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash > 0) {
          ids.add(rest.substring(0, slash));
        }
      }
    } catch (Exception e) {
      throw failure("list", prefix + "*", e);
    }
    return new ArrayList<>(ids);
  }

  @Override
  public void check() throws IOException {
    boolean exists;
    try {
      exists = client.bucketExists(BucketExistsArgs.builder().bucket(config.bucket()).build());
    } catch (Exception e) {
      throw failure("check", "(bucket)", e);
    }
    if (!exists) {
      throw new StoreException(
          "check", "bucket " + config.bucket() + " does not exist at " + config.endpointOrDefault()
              + ": create it, or fix the bucket name in the store URL");
    }
  }

  private StoreException failure(String op, String name, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    String detail;
    if (e instanceof ErrorResponseException er && er.errorResponse() != null) {
      // The error response carries the S3 code and message, never the request signature.
      detail = er.errorResponse().code() + ": " + er.errorResponse().message();
    } else {
      detail = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    return new StoreException(op, op + " " + name + " on " + describe() + " failed: " + detail, e);
  }

  @Override
  public void close() {
    try {
      async.close();
    } catch (Exception ignored) {
      // releases the same pools as below
    }
    try {
      wholeObject.close();
    } catch (Exception ignored) {
      // releases the same pools as below
    }
    try {
      client.close();
    } catch (Exception ignored) {
      // closing only releases connection pools
    }
  }
}
