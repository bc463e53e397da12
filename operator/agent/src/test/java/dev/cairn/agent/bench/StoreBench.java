package dev.cairn.agent.bench;

import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.S3Credentials;
import dev.cairn.agent.store.S3Store;
import dev.cairn.agent.store.StoreUrl;
import io.etcd.jetcd.Client;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.UploadObjectArgs;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Measures the pieces of the full snapshot path separately, in one JVM, for hack/bench-snapshot.sh:
 * {@code StoreBench MODE ARGS}. Modes: {@code stream ETCD} (jetcd snapshot stream into nothing),
 * {@code spool ETCD FILE}, {@code upload S3 BUCKET FILE PART_MIB} (MinIO uploadObject from a file),
 * {@code put S3 BUCKET FILE PART_MIB} (MinIO putObject from a stream of unknown size),
 * {@code copy S3 BUCKET FILE} (upload once, then time a server-side copy). Prints one line per figure.
 */
public final class StoreBench {
  private StoreBench() {}

  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "stream", "spool" -> {
        try (Client c = Client.builder().endpoints(a[1]).build()) {
          long t = System.nanoTime();
          long n;
          if (a[0].equals("stream")) {
            n = c.getMaintenanceClient().snapshot(OutputStream.nullOutputStream()).get(10, TimeUnit.MINUTES);
          } else {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(a[2])), 1 << 20)) {
              n = c.getMaintenanceClient().snapshot(out).get(10, TimeUnit.MINUTES);
            }
          }
          report(a[0], n, t);
        }
      }
      case "upload", "put", "copy" -> {
        MinioClient m = MinioClient.builder().endpoint(a[1]).region("us-east-1")
            .credentials(System.getenv("AWS_ACCESS_KEY_ID"), System.getenv("AWS_SECRET_ACCESS_KEY")).build();
        Path file = Path.of(a[3]);
        long size = Files.size(file);
        long part = a.length > 4 ? Long.parseLong(a[4]) << 20 : 64L << 20;
        long t = System.nanoTime();
        if (a[0].equals("put")) {
          try (InputStream in = Files.newInputStream(file)) {
            m.putObject(PutObjectArgs.builder().bucket(a[2]).object("bench-raw").stream(in, size, part).build());
          }
        } else {
          m.uploadObject(UploadObjectArgs.builder().bucket(a[2]).object("bench-raw").filename(a[3], part).build());
        }
        report(a[0] + " part " + (part >> 20) + " MiB", size, t);
        if (a[0].equals("copy")) {
          t = System.nanoTime();
          m.copyObject(CopyObjectArgs.builder().bucket(a[2]).object("bench-copy")
              .source(CopySource.builder().bucket(a[2]).object("bench-raw").build()).build());
          report("server-side copy", size, t);
          m.removeObject(RemoveObjectArgs.builder().bucket(a[2]).object("bench-copy").build());
        }
        m.removeObject(RemoveObjectArgs.builder().bucket(a[2]).object("bench-raw").build());
        m.close();
      }
      case "stage", "rangecopy" -> {
        String url = "s3://" + a[2] + "/b?endpoint=" + a[1] + "&region=us-east-1";
        long size = Files.size(Path.of(a[3]));
        int mib = Integer.parseInt(a[4]);
        int inFlight = Integer.parseInt(a[5]);
        S3Store.Tuning t = new S3Store.Tuning(a[0].equals("rangecopy") ? 8 << 20 : mib << 20, inFlight, a[0].equals("rangecopy") ? 0 : S3Store.MAX_SINGLE_COPY,
            (long) mib << 20, java.time.Duration.ofMinutes(5));
        try (S3Store s = new S3Store(StoreUrl.parse(url).s3().orElseThrow(), S3Credentials.of(
            System.getenv("AWS_ACCESS_KEY_ID"), System.getenv("AWS_SECRET_ACCESS_KEY")), t)) {
          long t0 = System.nanoTime();
          String tmp;
          try (BackupStore.StagedUpload up = s.stage("bench"); InputStream in = Files.newInputStream(Path.of(a[3]))) {
            in.transferTo(up.stream());
            up.finish();
            tmp = up.temporaryName();
          }
          report("staged upload " + mib + " MiB x" + inFlight, size, t0);
          t0 = System.nanoTime();
          s.publish(tmp, "bench-final", size, java.util.Map.of("cairn-x", "y"));
          report(a[0].equals("rangecopy") ? "range copy " + mib + " MiB x" + inFlight : "single copy", size, t0);
          s.deleteTemporary(tmp);
          s.delete("bench-final");
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + a[0]);
    }
  }

  private static void report(String what, long bytes, long startNanos) {
    double s = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf("%-28s %.2f s  %d bytes  %.0f MB/s%n", what, s, bytes, bytes / s / 1e6);
  }
}
