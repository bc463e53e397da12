package dev.cairn.testkit;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API (SigV2/SigV4, multipart) served in-process by S3Proxy on a free loopback port, with
 * objects kept as files under a test directory. Close it to stop the server.
 */
public final class S3Server implements AutoCloseable {

  public static final String ACCESS_KEY = "cairn-access";
  public static final String SECRET_KEY = "cairn-secret-12345";
  public static final String REGION = "us-east-1";

  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final Path baseDir;

  private S3Server(S3Proxy proxy, BlobStoreContext context, Path baseDir) {
    this.proxy = proxy;
    this.context = context;
    this.baseDir = baseDir;
  }

  /** Starts a server on a free port (or {@code port} when not 0) storing objects under {@code baseDir}. */
  public static S3Server start(Path baseDir, int port) {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", baseDir.toAbsolutePath().toString());
    BlobStoreContext ctx =
        ContextBuilder.newBuilder("filesystem").overrides(props).build(BlobStoreContext.class);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(ctx.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start within 30 s (state " + proxy.getState() + ")");
        }
        Thread.sleep(20);
      }
    } catch (Exception e) {
      ctx.close();
      throw new IllegalStateException("cannot start S3Proxy on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    return new S3Server(proxy, ctx, baseDir);
  }

  /** Starts a server on a free port. */
  public static S3Server start(Path baseDir) {
    return start(baseDir, 0);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  public int port() {
    return proxy.getPort();
  }

  public Path baseDir() {
    return baseDir;
  }

  /** The jclouds view of the stored objects, for assertions that bypass the S3 API. */
  public BlobStore blobStore() {
    return context.getBlobStore();
  }

  /** Creates a bucket with the given name. */
  public String createBucket(String name) {
    blobStore().createContainerInLocation(null, name);
    return name;
  }

  /** Creates a bucket with a fresh unique name (a bucket per test). */
  public String createBucket() {
    return createBucket("test-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet());
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop S3Proxy", e);
    } finally {
      context.close();
    }
  }
}
