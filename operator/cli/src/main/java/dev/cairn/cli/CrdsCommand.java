package dev.cairn.cli;

import dev.cairn.api.CrdFiles;
import picocli.CommandLine.Command;

/** {@code cairn crds}: prints the CustomResourceDefinitions, ready for {@code kubectl apply -f -}. */
@Command(name = "crds", description = "Print the cairn CustomResourceDefinitions as one YAML stream.")
final class CrdsCommand implements Runnable {

  @Override
  public void run() {
    StringBuilder out = new StringBuilder();
    for (String name : CrdFiles.NAMES) {
      String yaml = CrdFiles.read(name).strip();
      if (!yaml.startsWith("---")) {
        out.append("---\n");
      }
      out.append(yaml).append('\n');
    }
    System.out.print(out);
  }
}
