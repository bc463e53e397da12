package dev.cairn.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code cairn version}: prints the version of this build. */
@Command(name = "version", description = "Print the cairn version.")
final class VersionCommand implements Runnable {

  @Override
  public void run() {
    System.out.println("cairn " + version());
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    // Classes run from an IDE or target/classes have no manifest.
    return v == null ? "development" : v;
  }

  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cairn " + version()};
    }
  }
}
