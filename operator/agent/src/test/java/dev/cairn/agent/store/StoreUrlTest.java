package dev.cairn.agent.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StoreUrlTest {

  @Test
  void parsesS3AndFile() {
    S3Config c = StoreUrl.parse("s3://bkt/ns/etcd-a/?endpoint=http://127.0.0.1:9000&region=eu-west-1").s3().orElseThrow();
    assertEquals("bkt", c.bucket());
    assertEquals("ns/etcd-a", c.prefix());
    assertEquals(URI.create("http://127.0.0.1:9000"), c.endpoint());
    assertEquals("eu-west-1", c.region());
    assertTrue(c.pathStyle(), "custom endpoints default to path style");
    S3Config aws = StoreUrl.parse("s3://bkt").s3().orElseThrow();
    assertEquals("", aws.prefix());
    assertEquals("us-east-1", aws.regionOrDefault());
    assertEquals(Path.of("/var/backups"), StoreUrl.parse("file:///var/backups").localDirectory().orElseThrow());
  }

  @Test
  void badUrlsSayWhatToWrite() {
    for (String bad : new String[] {"", "gs://x", "s3://", "s3://b?foo=1", "s3://b?endpoint=ftp://x", "file://rel",
        "s3://b?pathStyle=maybe"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StoreUrl.parse(bad), bad);
      assertTrue(e.getMessage().length() > 20, e.getMessage());
    }
  }

  @Test
  void credentialsNeverShowInStrings() throws Exception {
    S3Credentials c = S3Credentials.of("AKIAEXAMPLE", "verysecret");
    assertTrue(!c.toString().contains("verysecret") && !c.toString().contains("AKIAEXAMPLE"));
  }
}
