package dev.cairn.local;

import dev.cairn.api.SecretKeys;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * Local mode's backup store: an S3-compatible server (S3Proxy) on a fixed loopback port, keeping its
 * objects as files under the work directory so that snapshots survive a restart, with bucket
 * {@value #BUCKET} and fixed credentials.
 *
 * <p>The credentials are not secret: the server listens on 127.0.0.1 only and they are the same on
 * every machine, so that a resumed cluster (and its Etcd objects) keep working. They are written to
 * {@code credentials.env} beside the objects and offered as a Secret for the Etcd to refer to;
 * {@code deploy/samples/etcd-local.yaml} carries the same Secret.
 */
public final class LocalS3 implements AutoCloseable {

  public static final String BUCKET = "cairn-local";
  public static final String REGION = "us-east-1";
  public static final String ACCESS_KEY = "cairn";
  public static final String SECRET_KEY = "cairn-local-secret";
  /** The Secret an Etcd of local mode names in {@code backup.store.credentialsSecretRef}. */
  public static final String SECRET_NAME = "cairn-local-s3";
  public static final int DEFAULT_PORT = 9000;

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final Path dir;

  private LocalS3(S3Proxy proxy, BlobStoreContext context, Path dir) {
    this.proxy = proxy;
    this.context = context;
    this.dir = dir;
  }

  /**
   * Starts the store on 127.0.0.1:{@code port} (0 = any free port) with its objects under
   * {@code dir/objects}, creates the bucket if it is not there yet and writes the credentials file.
   */
  public static LocalS3 start(Path dir, int port) {
    Path objects = dir.resolve("objects").toAbsolutePath();
    try {
      Files.createDirectories(objects);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the S3 store directory " + objects, e);
    }
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", objects.toString());
    BlobStoreContext ctx = ContextBuilder.newBuilder("filesystem").overrides(props).build(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(ctx.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if ("FAILED".equals(proxy.getState()) || System.nanoTime() > deadline) {
          throw new IllegalStateException("state " + proxy.getState());
        }
        Thread.sleep(20);
      }
    } catch (Exception e) {
      try {
        proxy.stop();
      } catch (Exception ignored) {
        // it did not start
      }
      ctx.close();
      throw new IllegalStateException("cannot start the local S3 store on 127.0.0.1:" + port + " (" + e.getMessage()
          + "); is the port taken (another local cluster, a MinIO)? Choose another with --s3-port", e);
    }
    LocalS3 s3 = new LocalS3(proxy, ctx, dir.toAbsolutePath());
    ctx.getBlobStore().createContainerInLocation(null, BUCKET);
    s3.writeCredentials();
    return s3;
  }

  public int port() {
    return proxy.getPort();
  }

  /** {@code http://127.0.0.1:<port>}: what an Etcd puts in {@code backup.store.endpoint}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  public Path directory() {
    return dir;
  }

  /** Where an object lives on disk (jclouds filesystem layout: bucket directory, then the key). */
  public Path objectFile(String key) {
    return dir.resolve("objects").resolve(BUCKET).resolve(key);
  }

  /** {@code <dir>/credentials.env}: endpoint, bucket, region and keys, in shell variable syntax. */
  public Path credentialsFile() {
    return dir.resolve("credentials.env");
  }

  private void writeCredentials() {
    String text = "# The local S3 store of cairn local mode (loopback only; fixed, non-secret credentials).\n"
        + "S3_ENDPOINT=" + endpoint() + "\n"
        + "S3_BUCKET=" + BUCKET + "\n"
        + "S3_REGION=" + REGION + "\n"
        + "AWS_ACCESS_KEY_ID=" + ACCESS_KEY + "\n"
        + "AWS_SECRET_ACCESS_KEY=" + SECRET_KEY + "\n";
    try {
      Files.writeString(credentialsFile(), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + credentialsFile(), e);
    }
  }

  /**
   * The credentials Secret, with the keys the agent reads ({@link SecretKeys}). Values go in
   * {@code data}: the local API server has no admission step that would fold {@code stringData} in.
   */
  public static Secret credentialsSecret(String namespace) {
    return new SecretBuilder()
        .withNewMetadata().withName(SECRET_NAME).withNamespace(namespace)
        .addToLabels("app.kubernetes.io/managed-by", "cairn-local").endMetadata()
        .withType("Opaque")
        .addToData(SecretKeys.S3_ACCESS_KEY_ID, base64(ACCESS_KEY))
        .addToData(SecretKeys.S3_SECRET_ACCESS_KEY, base64(SECRET_KEY))
        .build();
  }

  /** Creates (or replaces) the credentials Secret in {@code namespace}. */
  public void createSecret(KubernetesClient client, String namespace) {
    client.secrets().inNamespace(namespace).resource(credentialsSecret(namespace)).createOr(op -> op.update());
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the local S3 store", e);
    } finally {
      context.close();
    }
  }
}
