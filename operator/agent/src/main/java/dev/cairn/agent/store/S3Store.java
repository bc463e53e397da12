package dev.cairn.agent.store;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * A backup store in an S3-compatible bucket, through the MinIO Java client. Objects of unknown size
 * are uploaded in parts; S3 makes a multipart upload visible only when it completes, so an agent
 * killed mid-upload leaves nothing under the name.
 *
 * <p>Listings are read in full and sorted here: some S3-compatible servers (S3Proxy's filesystem
 * backend) return keys unsorted and include directory markers, which are skipped.
 */
public final class S3Store implements BackupStore {

  /** Part size for uploads of unknown length: MinIO buffers one part in memory, so keep it modest. */
  public static final long PART_SIZE = 16L * 1024 * 1024;

  private final S3Config config;
  private final MinioClient client;

  public S3Store(S3Config config, S3Credentials credentials) throws IOException {
    this.config = config;
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
    if (config.pathStyle()) {
      client.disableVirtualStyleEndpoint();
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
    try {
      // From a file MinIO reads each part twice (hash, then send) instead of buffering it on the heap.
      long size = Files.size(file);
      client.uploadObject(
          UploadObjectArgs.builder()
              .bucket(config.bucket())
              .object(key(name))
              .filename(file.toString(), size > 5L * 1024 * 1024 * 1024 ? 0 : PART_SIZE * 4)
              .userMetadata(userMetadata == null ? Map.of() : userMetadata)
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
      String code = e.errorResponse() == null ? "" : e.errorResponse().code();
      if ("NoSuchKey".equals(code) || "NoSuchObject".equals(code) || e.response() != null && e.response().code() == 404) {
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
      Iterable<Result<Item>> results =
          client.listObjects(
              ListObjectsArgs.builder().bucket(config.bucket()).prefix(prefix).recursive(true).maxKeys(1000).build());
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
      client.close();
    } catch (Exception ignored) {
      // closing only releases connection pools
    }
  }
}
