package dev.cairn.local;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-in for the cairn CLI in tests: the pod runner launches it where a container says
 * {@code cairn}, and it reports what the process sees, one line per argument: {@code --resolve=NAME}
 * (through the JVM's name service, i.e. the hosts file), {@code --read=PATH}, {@code --env=NAME}, and
 * any other argument as received.
 */
public final class ProbeMain {

  private ProbeMain() {}

  public static void main(String[] args) throws Exception {
    for (String a : args) {
      int eq = a.indexOf('=');
      String op = eq < 0 ? "" : a.substring(0, eq);
      String value = eq < 0 ? a : a.substring(eq + 1);
      switch (op) {
        case "--resolve" -> System.out.println("resolve " + value + " -> " + resolve(value));
        case "--read" -> System.out.println("read " + value + " -> " + Files.readString(Path.of(value)).trim());
        case "--env" -> System.out.println("env " + value + " -> " + System.getenv(value));
        default -> System.out.println("arg -> " + a);
      }
    }
    System.out.println("done");
  }

  /** Retries for a while: the runner adds a pod's names to the hosts file within a pass or two. */
  private static String resolve(String name) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (UnknownHostException e) {
        Thread.sleep(100);
      }
    }
    return "unresolved";
  }
}
