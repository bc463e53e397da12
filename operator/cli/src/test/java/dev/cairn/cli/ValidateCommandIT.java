package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn validate} on a data dir and a snapshot written by a real etcd (on PATH). */
class ValidateCommandIT {

  @TempDir Path tmp;

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.exitValue(), cmd + ": " + out);
    return out;
  }

  @Test
  void validDataDirAndSnapshotExitZeroAndAStaleOneExitsOne() throws Exception {
    Path data = tmp.resolve("m0.etcd");
    int client = freePort();
    int peer = freePort();
    String endpoint = "http://127.0.0.1:" + client;
    Process etcd = new ProcessBuilder("etcd", "--name=m0", "--data-dir=" + data,
        "--listen-client-urls=" + endpoint, "--advertise-client-urls=" + endpoint,
        "--listen-peer-urls=http://127.0.0.1:" + peer, "--initial-advertise-peer-urls=http://127.0.0.1:" + peer,
        "--initial-cluster=m0=http://127.0.0.1:" + peer, "--snapshot-count=20")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("etcd.log").toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.body().contains("true")) {
            break;
          }
        } catch (IOException e) {
          // not listening yet
        }
        assertTrue(System.nanoTime() < deadline, "etcd not healthy: " + Files.readString(tmp.resolve("etcd.log")));
        Thread.sleep(100);
      }
      for (int i = 0; i < 50; i++) {
        exec(List.of("etcdctl", "--endpoints=" + endpoint, "put", "k" + i, "v" + i));
      }
      exec(List.of("etcdctl", "--endpoints=" + endpoint, "snapshot", "save", tmp.resolve("snap.db").toString()));
    } finally {
      etcd.destroy();
      etcd.waitFor(20, TimeUnit.SECONDS);
    }
    String dir = data.toString();
    ValidateCommandTest.Run full = ValidateCommandTest.run("validate", "--data-dir", dir, "--mode", "full");
    assertEquals(0, full.code(), full.out() + full.err());
    assertTrue(full.out().contains("consistency  PASS"), full.out());
    assertEquals(0, ValidateCommandTest.run("validate", "--data-dir", dir, "--mode", "sanity", "--store-revision", "51").code());
    ValidateCommandTest.Run stale = ValidateCommandTest.run("validate", "--data-dir", dir, "--store-revision", "1000",
        "--output", "json");
    assertEquals(1, stale.code(), stale.out());
    assertTrue(stale.out().contains("\"kind\": \"Stale\"") && stale.out().contains("\"storeRevision\": 1000"), stale.out());
    ValidateCommandTest.Run snap = ValidateCommandTest.run("validate", "--snapshot", tmp.resolve("snap.db").toString());
    assertEquals(0, snap.code(), snap.out());
    assertTrue(snap.out().contains("trailer      PASS"), snap.out());
  }
}
