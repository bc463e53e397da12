package dev.cairn.agent.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/** Addressing and error messages of {@link S3FilePut}. */
class S3FilePutTest {

  private static S3FilePut put(String bucket, URI endpoint, boolean pathStyle) {
    return new S3FilePut(new OkHttpClient(), new S3Config(bucket, "p", endpoint, "eu-west-1", pathStyle, null), null);
  }

  @Test
  void pathStyleAddressesTheBucketInThePath() {
    assertEquals("http://127.0.0.1:9000/backups/ns/a/0001-full.db",
        put("backups", URI.create("http://127.0.0.1:9000"), true).url("ns/a/0001-full.db").toString());
  }

  @Test
  void virtualHostStyleAddressesTheBucketInTheHostUnlessItHasADot() {
    assertEquals("https://backups.s3.eu-west-1.amazonaws.com/p/x.db",
        put("backups", null, false).url("p/x.db").toString());
    assertEquals("https://s3.eu-west-1.amazonaws.com/my.backups/p/x.db",
        put("my.backups", null, false).url("p/x.db").toString());
  }

  @Test
  void anEndpointOtherThanAwsOrAliyunIsAddressedPathStyleEvenWithoutPathStyle() {
    // forcePathStyle: false with an in-cluster MinIO: bucket.minio.ns.svc would not resolve.
    assertEquals("http://minio.ns.svc:9000/backups/p/x.db",
        put("backups", URI.create("http://minio.ns.svc:9000"), false).url("p/x.db").toString());
    assertEquals("https://ceph.example.com/backups/p/x.db",
        put("backups", URI.create("https://ceph.example.com"), false).url("p/x.db").toString());
    assertEquals("http://127.0.0.1:9000/backups/p/x.db",
        put("backups", URI.create("http://127.0.0.1:9000"), false).url("p/x.db").toString());
  }

  @Test
  void awsAndAliyunEndpointsGiveVirtualHostStyleAsMinioDoes() {
    assertEquals("https://backups.s3.us-east-2.amazonaws.com/p/x.db",
        put("backups", URI.create("https://s3.us-east-2.amazonaws.com"), false).url("p/x.db").toString());
    assertEquals("https://backups.oss-cn-hangzhou.aliyuncs.com/p/x.db",
        put("backups", URI.create("https://oss-cn-hangzhou.aliyuncs.com"), false).url("p/x.db").toString());
    assertEquals("https://s3.us-east-2.amazonaws.com/backups/p/x.db",
        put("backups", URI.create("https://s3.us-east-2.amazonaws.com"), true).url("p/x.db").toString());
    // A dotted bucket goes in the host only over plain HTTP, where no certificate has to match.
    assertEquals("http://my.backups.s3.us-east-2.amazonaws.com/p/x.db",
        put("my.backups", URI.create("http://s3.us-east-2.amazonaws.com"), false).url("p/x.db").toString());
  }

  @Test
  void keysAreEncodedAsS3SignsThem() {
    assertEquals("http://h:1/b/a%20b/c%2Bd~e.db", put("b", URI.create("http://h:1"), true).url("a b/c+d~e.db").toString());
  }

  @Test
  void errorsGiveS3sCodeAndMessageOnly() {
    assertEquals("SignatureDoesNotMatch: The request signature we calculated does not match",
        S3FilePut.errorDetail("<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request"
            + " signature we calculated does not match</Message><StringToSign>AWS4-HMAC-SHA256 ...</StringToSign></Error>"));
    assertEquals("(no S3 error in the answer)", S3FilePut.errorDetail("<html>bad gateway</html>"));
  }
}
