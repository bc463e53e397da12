package dev.cairn.agent.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.credentials.StaticProvider;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link S3FilePut} against an endpoint that ignores {@code Expect: 100-continue} (it waits for the
 * body instead of answering the headers), as some proxies do: one timeout, then bodies go at once.
 */
class S3FilePutExpectTest {

  @TempDir Path dir;

  /** One request as the fake endpoint saw it: its headers (lower case) and the body it read. */
  record Seen(Map<String, String> headers, byte[] body) {}

  /**
   * Reads a request's headers, then (never sending 100 Continue) its body of Content-Length bytes, and
   * answers 200. A client waiting for 100 Continue never sends the body: the read blocks until the
   * client gives up and closes.
   */
  private static void serve(ServerSocket server, List<Seen> seen) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        InputStream in = new BufferedInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        while (true) {
          Map<String, String> headers = new java.util.HashMap<>();
          String line = readLine(in);
          if (line == null) {
            break;
          }
          for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
            int c = h.indexOf(':');
            headers.put(h.substring(0, c).strip().toLowerCase(Locale.ROOT), h.substring(c + 1).strip());
          }
          int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
          byte[] body = in.readNBytes(length);
          seen.add(new Seen(headers, body));
          if (body.length < length) {
            break; // the client gave up waiting
          }
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
      } catch (IOException e) {
        // the client closed the connection: take the next one
      }
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c >= 0; c = in.read()) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void anEndpointThatIgnoresExpectCostsOneTimeoutThenBodiesGoAtOnce() throws Exception {
    byte[] data = new byte[(int) S3FilePut.EXPECT_CONTINUE_FROM + 4096];
    new Random(3).nextBytes(data);
    Path file = Files.write(dir.resolve("snap.db"), data);
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> serve(server, seen), "ignores-expect");
      t.setDaemon(true);
      t.start();
      OkHttpClient http = new OkHttpClient.Builder().readTimeout(700, TimeUnit.MILLISECONDS).build();
      S3FilePut put = new S3FilePut(http, new S3Config("b", "p",
          URI.create("http://127.0.0.1:" + server.getLocalPort()), "us-east-1", true, null),
          new StaticProvider("access", "secret-key-123", null));

      put.put("p/one.db", file, data.length, Map.of("cairn-kind", "full"));
      assertFalse(put.expectsContinue(), "remembered: the endpoint does not answer Expect");
      List<Seen> first = new ArrayList<>(seen);
      assertEquals(2, first.size(), "the request that waited, then the one sent at once");
      assertEquals("100-continue", first.get(0).headers().get("expect"));
      assertEquals(0, first.get(0).body().length, "no body was sent before a 100 Continue");
      assertFalse(first.get(1).headers().containsKey("expect"));
      assertArrayEquals(data, first.get(1).body(), "the whole file, once");
      assertEquals("full", first.get(1).headers().get("x-amz-meta-cairn-kind"));

      put.put("p/two.db", file, data.length, Map.of());
      assertEquals(3, seen.size(), "later uploads do not wait: " + seen.size());
      assertFalse(seen.get(2).headers().containsKey("expect"));
      assertArrayEquals(data, seen.get(2).body());
      assertTrue(seen.get(2).headers().get("authorization").startsWith("AWS4-HMAC-SHA256 "), "still signed");
    }
  }

  /** A timeout before the request's headers went (here: a TLS handshake nobody answers) is no such endpoint. */
  @Test
  void aTimeoutBeforeTheHeadersLeavesExpectOn() throws Exception {
    byte[] data = new byte[(int) S3FilePut.EXPECT_CONTINUE_FROM];
    Path file = Files.write(dir.resolve("snap.db"), data);
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            s.getInputStream().readAllBytes(); // never answers, not even the TLS handshake
          } catch (IOException e) {
            // next
          }
        }
      }, "silent");
      t.setDaemon(true);
      t.start();
      OkHttpClient http = new OkHttpClient.Builder().readTimeout(500, TimeUnit.MILLISECONDS).build();
      S3FilePut put = new S3FilePut(http, new S3Config("b", "p",
          URI.create("https://127.0.0.1:" + server.getLocalPort()), "us-east-1", true, null),
          new StaticProvider("access", "secret-key-123", null));
      org.junit.jupiter.api.Assertions.assertThrows(java.io.InterruptedIOException.class,
          () -> put.put("p/one.db", file, data.length, Map.of()));
      assertTrue(put.expectsContinue(), "a handshake that timed out says nothing about Expect");
    }
  }
}
