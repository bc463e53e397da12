package dev.cairn.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class S3ServerIT {

  @Test
  void minioClientRoundTripsAMultipartObject() throws Exception {
    try (S3Server s3 = S3Server.start(TestDirs.create(S3ServerIT.class, "s3"))) {
      String bucket = s3.createBucket();
      assertNotEquals(bucket, s3.createBucket(), "a bucket per test");
      MinioClient minio =
          MinioClient.builder()
              .endpoint(s3.endpoint().toString())
              .region(S3Server.REGION)
              .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)
              .build();
      byte[] data = new byte[12 * 1024 * 1024];
      new Random(42).nextBytes(data);
      // 5 MiB parts force a multipart upload.
      minio.putObject(
          PutObjectArgs.builder().bucket(bucket).object("a/b.bin")
              .stream(new ByteArrayInputStream(data), -1, 5L * 1024 * 1024).build());
      assertEquals(data.length, minio.statObject(StatObjectArgs.builder().bucket(bucket).object("a/b.bin").build()).size());
      try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(bucket).object("a/b.bin").build())) {
        assertArrayEquals(data, in.readAllBytes());
      }
      // S3Proxy's filesystem backend also lists the directory marker "a/" in a recursive listing:
      // store code must skip keys that end with '/'. Nor is the listing in key order, as S3's is:
      // store code must not rely on the order of a listing. These assertions document both quirks.
      java.util.List<String> names = new java.util.ArrayList<>();
      for (var item : minio.listObjects(io.minio.ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
        names.add(item.get().objectName());
      }
      assertEquals(java.util.Set.of("a/", "a/b.bin"), new java.util.HashSet<>(names));
      assertEquals(2, names.size());
    }
  }
}
