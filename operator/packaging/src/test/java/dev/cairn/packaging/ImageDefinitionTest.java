package dev.cairn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.model.MemberStatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The inputs of the cairn image (deploy/image), which cannot be built here (no container engine):
 * what it copies exists or is what the build produces, the launcher runs what is copied, the binaries
 * land on PATH under the names the code looks for, the user is the non-root one member pods run as,
 * and the etcd release is the operator's default.
 */
class ImageDefinitionTest {

  private static final Path DOCKERFILE = Repo.root().resolve("deploy/image/Dockerfile");
  private static final Path LAUNCHER = Repo.root().resolve("deploy/image/cairn");

  private static List<String> instructions() throws IOException {
    // Joins continuation lines; drops comments.
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : Files.readAllLines(DOCKERFILE)) {
      if (line.strip().startsWith("#") || line.isBlank()) {
        continue;
      }
      if (line.endsWith("\\")) {
        cur.append(line, 0, line.length() - 1).append(' ');
      } else {
        out.add(cur.append(line).toString().strip());
        cur.setLength(0);
      }
    }
    return out;
  }

  private static List<String> named(String keyword) throws IOException {
    return instructions().stream().filter(i -> i.startsWith(keyword + " ")).map(i -> i.substring(keyword.length() + 1).strip()).toList();
  }

  private static String arg(String name) throws IOException {
    for (String a : named("ARG")) {
      if (a.startsWith(name + "=")) {
        return a.substring(name.length() + 1);
      }
    }
    throw new AssertionError("the Dockerfile has no ARG " + name + " with a default");
  }

  @Test
  void etcdIsThePinnedDefaultReleaseFromTheOfficialImage() throws IOException {
    String version = arg("ETCD_VERSION");
    assertTrue(version.matches("3\\.5\\.[0-9]+"), "a pinned etcd 3.5 release, got " + version);
    assertEquals(OperatorConfig.defaults().defaultEtcdVersion, version, "the operator's default etcd version");
    Map<?, ?> values = Manifests.YAML.readValue(Repo.chart().resolve("values.yaml").toFile(), Map.class);
    assertEquals(version, ((Map<?, ?>) values.get("operator")).get("defaultEtcdVersion"), "the chart's default etcd version");
    assertTrue(named("FROM").contains("gcr.io/etcd-development/etcd:v${ETCD_VERSION} AS etcd"), named("FROM").toString());
    String copy = named("COPY").stream().filter(c -> c.startsWith("--from=etcd ")).findFirst().orElseThrow();
    for (String bin : List.of("etcd", "etcdctl", "etcdutl")) {
      assertTrue(copy.contains("/usr/local/bin/" + bin + " "), bin + " copied from the etcd image: " + copy);
    }
    assertTrue(copy.endsWith(" /usr/local/bin/"), "onto PATH: " + copy);
    String env = String.join(" ", named("ENV"));
    for (String e : List.of("ETCD_BIN=/usr/local/bin/etcd", "ETCDCTL_BIN=/usr/local/bin/etcdctl", "ETCDUTL_BIN=/usr/local/bin/etcdutl")) {
      assertTrue(env.contains(e), e + " in " + env);
    }
  }

  @Test
  void theJreMatchesTheBuildsJavaRelease() throws IOException {
    String jre = arg("JRE_IMAGE");
    assertTrue(jre.matches("eclipse-temurin:17[._0-9]*-jre-[a-z]+"), "a pinned Java 17 runtime image, got " + jre);
    assertTrue(Files.readString(Repo.root().resolve("pom.xml")).contains("<maven.compiler.release>17</maven.compiler.release>"));
  }

  @Test
  void theCairnJarAndItsLibrariesAreWhatTheCliBuildProduces() throws IOException {
    String cliPom = Files.readString(Repo.root().resolve("operator/cli/pom.xml"));
    assertTrue(cliPom.contains("<finalName>cairn</finalName>"), "operator/cli builds target/cairn.jar");
    assertTrue(cliPom.contains("<outputDirectory>${project.build.directory}/lib</outputDirectory>"), "and target/lib/");
    assertTrue(cliPom.contains("<classpathPrefix>lib/</classpathPrefix>"), "cairn.jar finds its libraries in lib/");
    List<String> copies = named("COPY");
    assertTrue(copies.contains("operator/cli/target/cairn.jar /opt/cairn/cairn.jar"), copies.toString());
    assertTrue(copies.contains("operator/cli/target/lib/ /opt/cairn/lib/"), copies.toString());
  }

  @Test
  void theLauncherIsTheEntrypointAndRunsTheCopiedJar() throws IOException, InterruptedException {
    assertTrue(Files.isRegularFile(LAUNCHER) && Files.isExecutable(LAUNCHER), LAUNCHER + " must exist and be executable");
    assertTrue(named("COPY").contains("--chmod=0755 deploy/image/cairn /usr/local/bin/cairn"), named("COPY").toString());
    assertEquals(List.of("[\"/usr/local/bin/cairn\"]"), named("ENTRYPOINT"));
    String script = Files.readString(LAUNCHER);
    assertTrue(script.startsWith("#!/bin/sh\n"), "a POSIX shell script (the JRE image has /bin/sh)");
    assertTrue(script.contains("-jar /opt/cairn/cairn.jar \"$@\""), script);
    Process p = new ProcessBuilder("sh", "-n", LAUNCHER.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "sh -n " + LAUNCHER + ": " + out);
    // Member pods and the chart start `cairn <role>`: the launcher's name on PATH.
    assertEquals("cairn", MemberStatefulSet.LAUNCHER);
    assertEquals("cairn", ChartValuesTest.container(Chart.render()).path("command").get(0).asText());
  }

  @Test
  void theImageRunsAsTheNonRootUserOfMemberPods() throws IOException {
    List<String> users = named("USER");
    assertEquals(1, users.size(), "one USER instruction");
    Matcher m = Pattern.compile("(\\d+):(\\d+)").matcher(users.get(0));
    assertTrue(m.matches(), "a numeric uid:gid, so the kubelet can verify runAsNonRoot; got " + users.get(0));
    long uid = Long.parseLong(m.group(1));
    assertTrue(uid != 0, "not root");
    assertEquals(OperatorConfig.defaults().runAsUser, uid, "the uid member pods run as");
    assertEquals(OperatorConfig.defaults().fsGroup, Long.parseLong(m.group(2)), "the gid member pods run as");
    JsonNodeHolder.check(uid);
  }

  /** The chart's operator pod runs as the image's user too. */
  private static final class JsonNodeHolder {
    static void check(long uid) {
      var sc = Manifests.one(Chart.render(), "Deployment").orElseThrow().path("spec").path("template").path("spec")
          .path("securityContext");
      assertEquals(uid, sc.path("runAsUser").asLong(), "the operator Deployment's runAsUser");
    }
  }
}
