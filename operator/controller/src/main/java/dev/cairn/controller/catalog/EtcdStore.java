package dev.cairn.controller.catalog;

import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.LocalStore;
import dev.cairn.agent.store.S3Config;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StorePage;
import dev.cairn.agent.store.StoreUrl;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.model.MemberStatefulSet;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.credentials.AwsEnvironmentProvider;
import io.minio.credentials.ChainedProvider;
import io.minio.credentials.IamAwsProvider;
import io.minio.credentials.Provider;
import io.minio.credentials.StaticProvider;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Etcd's backup store as the operator sees it: the same location the agents write to (built by
 * {@link MemberStatefulSet#storeUrl}), opened with the Etcd's own credentials Secret. The S3
 * credentials stay in memory; nothing here logs or reports them.
 *
 * <p>Listing is truly paged: {@link BackupStore#list} of the S3 store lists the whole prefix on every
 * call (it sorts because some stores do not), so the catalog lists S3 itself with {@code start-after}
 * and at most one page in memory, and falls back to the store's own listing when a server returns
 * names out of order.
 */
public final class EtcdStore implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdStore.class);

  private final BackupStore store;
  private final String locationBase;
  private final MinioClient lister;
  private final OkHttpClient listerHttp;
  private final String bucket;
  private final String keyPrefix;
  private volatile boolean unsorted;

  private EtcdStore(BackupStore store, String locationBase, MinioClient lister, OkHttpClient listerHttp, String bucket,
      String keyPrefix) {
    this.store = store;
    this.locationBase = locationBase;
    this.lister = lister;
    this.listerHttp = listerHttp;
    this.bucket = bucket;
    this.keyPrefix = keyPrefix;
  }

  /** Wraps a store that is already open (tests, local tools); listing goes through the store. */
  public static EtcdStore of(BackupStore store, String locationBase) {
    return new EtcdStore(store, locationBase, null, null, null, null);
  }

  /**
   * Opens the store of an Etcd with backups. Throws with what is wrong (a missing Secret or key, a
   * bad URL) and what to do.
   */
  public static EtcdStore open(KubernetesClient client, Etcd etcd) throws IOException {
    if (etcd.getSpec().getBackup() == null) {
      throw new IOException("Etcd " + etcd.getMetadata().getNamespace() + "/" + etcd.getMetadata().getName()
          + " has no spec.backup: there is no store");
    }
    dev.cairn.api.v1alpha1.BackupStore spec = etcd.getSpec().getBackup().getStore();
    StoreUrl url;
    try {
      url = StoreUrl.parse(MemberStatefulSet.storeUrl(etcd));
    } catch (IllegalArgumentException e) {
      throw new IOException("the backup store of " + etcd.getMetadata().getName() + " is not usable: " + e.getMessage(), e);
    }
    if (url.localDirectory().isPresent()) {
      Path dir = url.localDirectory().get();
      // A Local store is a directory on the members' hosts; the operator sees it only where it runs on
      // the same machine (local mode). Elsewhere the directory is simply empty to it.
      return new EtcdStore(new LocalStore(dir), "file://" + dir + "/", null, null, null, null);
    }
    S3Config fromUrl = url.s3().orElseThrow();
    Path ca = null;
    byte[] caPem = null;
    String ns = etcd.getMetadata().getNamespace();
    if (spec.getCaSecretRef() != null) {
      caPem = secretValue(client, ns, spec.getCaSecretRef().getName(), SecretKeys.CA_CERT, "backup.store.caSecretRef")
          .orElseThrow(() -> new IOException("Secret " + spec.getCaSecretRef().getName() + " in " + ns
              + " has no key " + SecretKeys.CA_CERT + ": put the store's CA bundle (PEM) there"));
      ca = caFile(caPem);
    }
    S3Config cfg = new S3Config(fromUrl.bucket(), fromUrl.prefix(), fromUrl.endpoint(), fromUrl.region(),
        fromUrl.pathStyle(), ca);
    String ak = null;
    String sk = null;
    String st = null;
    S3Credentials creds = null;
    if (spec.getCredentialsSecretRef() != null) {
      String name = spec.getCredentialsSecretRef().getName();
      String ref = "backup.store.credentialsSecretRef";
      ak = text(secretValue(client, ns, name, SecretKeys.S3_ACCESS_KEY_ID, ref).orElseThrow(() -> missingKey(ns, name,
          SecretKeys.S3_ACCESS_KEY_ID)));
      sk = text(secretValue(client, ns, name, SecretKeys.S3_SECRET_ACCESS_KEY, ref).orElseThrow(() -> missingKey(ns, name,
          SecretKeys.S3_SECRET_ACCESS_KEY)));
      st = secretValue(client, ns, name, SecretKeys.S3_SESSION_TOKEN, ref).map(EtcdStore::text).orElse(null);
      Map<String, String> env = new HashMap<>();
      env.put("AWS_ACCESS_KEY_ID", ak);
      env.put("AWS_SECRET_ACCESS_KEY", sk);
      if (st != null) {
        env.put("AWS_SESSION_TOKEN", st);
      }
      creds = S3Credentials.fromEnvironment(env).orElseThrow(() -> new IOException("Secret " + name + " in " + ns
          + " has empty S3 credentials: set " + SecretKeys.S3_ACCESS_KEY_ID + " and " + SecretKeys.S3_SECRET_ACCESS_KEY));
    }
    S3Store store = new S3Store(cfg, creds);
    Provider provider = ak != null ? new StaticProvider(ak, sk, st)
        : new ChainedProvider(new AwsEnvironmentProvider(), new IamAwsProvider(null, null));
    OkHttpClient http = httpClient(caPem);
    MinioClient lister = MinioClient.builder()
        .endpoint(cfg.endpointOrDefault().toString())
        .region(cfg.regionOrDefault())
        .credentialsProvider(provider)
        .httpClient(http, true)
        .build();
    if (cfg.pathStyle()) {
      lister.disableVirtualStyleEndpoint();
    }
    String keyPrefix = cfg.prefix().isEmpty() ? "" : cfg.prefix() + "/";
    return new EtcdStore(store, "s3://" + cfg.bucket() + "/" + keyPrefix, lister, http, cfg.bucket(), keyPrefix);
  }

  public BackupStore store() {
    return store;
  }

  /** Where an object is, as an EtcdSnapshot's {@code spec.location}. */
  public String location(String object) {
    return locationBase + object;
  }

  /** Where the store is, for messages. Never secrets. */
  public String describe() {
    return store.describe();
  }

  /**
   * Up to {@code limit} names after {@code startAfter}, ascending; at most one page is held in memory.
   * One request per call: the next page starts after this page's last key (some servers, S3Proxy among
   * them, refuse {@code start-after} together with a continuation token).
   */
  public StorePage list(String startAfter, int limit) throws IOException {
    if (lister == null || unsorted) {
      return store.list(startAfter, limit);
    }
    int max = Math.min(limit, 1000);
    List<StoredObject> page = new ArrayList<>();
    String last = startAfter;
    String lastKey = null;
    int raw = 0;
    try {
      ListObjectsArgs.Builder b = ListObjectsArgs.builder().bucket(bucket).prefix(keyPrefix).recursive(true).maxKeys(max);
      if (startAfter != null) {
        b.startAfter(keyPrefix + startAfter);
      }
      java.util.Iterator<Result<Item>> it = lister.listObjects(b.build()).iterator();
      // Stop at max keys without asking the iterator for more: that would be a second request.
      while (raw < max && it.hasNext()) {
        Item item = it.next().get();
        raw++;
        String k = item.objectName();
        if (!k.startsWith(keyPrefix)) {
          continue;
        }
        String name = k.substring(keyPrefix.length());
        lastKey = name;
        if (item.isDir() || name.isEmpty() || name.contains("/") || name.startsWith(".")) {
          continue;
        }
        if (last != null && name.compareTo(last) <= 0) {
          LOG.warn("{} lists names out of order ({} after {}); using the store's sorted listing from now on",
              store.describe(), name, last);
          unsorted = true;
          return store.list(startAfter, limit);
        }
        page.add(new StoredObject(name, item.size(), item.lastModified().toInstant()));
        last = name;
      }
    } catch (io.minio.errors.ErrorResponseException e) {
      throw new IOException("cannot list " + store.describe() + ": S3 error " + e.errorResponse().code() + " ("
          + e.errorResponse().message() + ")", e);
    } catch (Exception e) {
      throw new IOException("cannot list " + store.describe() + ": " + e, e);
    }
    return new StorePage(page, raw == max && lastKey != null ? Optional.of(lastKey) : Optional.empty());
  }

  /** Releases the connections and threads of both S3 clients. */
  @Override
  public void close() {
    store.close();
    if (listerHttp != null) {
      listerHttp.dispatcher().executorService().shutdown();
      listerHttp.connectionPool().evictAll();
    }
  }

  private static IOException missingKey(String ns, String secret, String key) {
    return new IOException("Secret " + secret + " in " + ns + " has no key " + key
        + ": the store credentials Secret needs " + SecretKeys.S3_ACCESS_KEY_ID + " and " + SecretKeys.S3_SECRET_ACCESS_KEY);
  }

  /** A key of a Secret in the Etcd's namespace, decoded; empty when the key is missing. */
  static Optional<byte[]> secretValue(KubernetesClient client, String ns, String name, String key, String ref)
      throws IOException {
    Secret s;
    try {
      s = client.secrets().inNamespace(ns).withName(name).get();
    } catch (RuntimeException e) {
      throw new IOException("cannot read Secret " + name + " in " + ns + " (" + ref + "): " + e.getMessage(), e);
    }
    if (s == null) {
      throw new IOException("Secret " + name + " in " + ns + " (" + ref + ") does not exist: create it");
    }
    if (s.getData() != null && s.getData().get(key) != null) {
      return Optional.of(Base64.getDecoder().decode(s.getData().get(key).getBytes(StandardCharsets.US_ASCII)));
    }
    // The API server folds stringData into data; the test API server and local mode keep it as written.
    if (s.getStringData() != null && s.getStringData().get(key) != null) {
      return Optional.of(s.getStringData().get(key).getBytes(StandardCharsets.UTF_8));
    }
    return Optional.empty();
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8).strip();
  }

  // S3Config wants a file; a CA bundle is public, so a file named by its hash in the temp dir is fine.
  private static Path caFile(byte[] pem) throws IOException {
    try {
      String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pem)).substring(0, 16);
      Path p = Path.of(System.getProperty("java.io.tmpdir"), "cairn-store-ca-" + hash + ".pem");
      if (!Files.exists(p)) {
        Path tmp = Files.createTempFile(p.getParent(), "cairn-store-ca-", ".tmp");
        Files.write(tmp, pem);
        Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      return p;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static OkHttpClient httpClient(byte[] caPem) throws IOException {
    // Listing is idempotent: a pooled connection the server closed while idle is simply retried.
    OkHttpClient.Builder b = new OkHttpClient.Builder()
        .connectTimeout(10, TimeUnit.SECONDS)
        .readTimeout(1, TimeUnit.MINUTES)
        .writeTimeout(1, TimeUnit.MINUTES)
        .retryOnConnectionFailure(true);
    if (caPem != null) {
      try {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(caPem))) {
          ks.setCertificateEntry("ca" + i++, c);
        }
        if (i == 0) {
          throw new IOException("the store CA Secret's " + SecretKeys.CA_CERT + " holds no PEM certificate");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, null);
        b.sslSocketFactory(ctx.getSocketFactory(), tm);
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException("cannot use the store CA bundle: " + e.getMessage(), e);
      }
    }
    return b.build();
  }
}
