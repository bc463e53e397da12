package dev.cairn.agent.bench;

import dev.cairn.testkit.S3Server;
import java.nio.file.Path;

/**
 * S3Proxy as a stand-alone process for hack/bench-snapshot.sh: {@code BenchS3Server DIR PORT BUCKET}.
 * Prints READY when it serves, then runs until killed.
 */
public final class BenchS3Server {
  private BenchS3Server() {}

  public static void main(String[] args) throws Exception {
    S3Server s3 = S3Server.start(Path.of(args[0]), Integer.parseInt(args[1]));
    s3.createBucket(args[2]);
    System.out.println("READY " + s3.endpoint());
    System.out.flush();
    Thread.currentThread().join();
  }
}
