package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.cairn.controller.OperatorConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OperatorCommandTest {

  private static OperatorCommand parse(String... args) {
    OperatorCommand c = new OperatorCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void defaultsGiveTheOperatorDefaults() {
    OperatorConfig cfg = parse().config();
    assertTrue(cfg.autoReconcile);
    assertEquals(Set.of(), cfg.namespaces);
    assertEquals("3.5.17", cfg.defaultEtcdVersion);
    assertEquals("ghcr.io/cairn-dev/cairn-etcd:v3.5.17", cfg.etcdImageFor("3.5.17"));
    assertTrue(cfg.agentImage.startsWith("ghcr.io/cairn-dev/cairn:"), cfg.agentImage);
    assertEquals(Duration.ofSeconds(60), cfg.memberUnknownAfter);
    assertEquals(Duration.ofMinutes(5), cfg.memberNotReadyAfter);
    assertEquals(8081, parse().http().getPort());
    assertNull(parse("--http-address=off").http());
  }

  @Test
  void flagsReachTheConfiguration() {
    OperatorConfig cfg = parse("--namespaces=a, b", "--no-auto-reconcile", "--agent-image=reg.test/cairn:9",
        "--etcd-image=reg.test/etcd:{version}", "--default-etcd-version=v3.4.23", "--member-unknown-after=90s",
        "--member-not-ready-after=10m", "--resync=15s", "--reconcile-threads=4").config();
    assertEquals(Set.of("a", "b"), cfg.namespaces);
    assertFalse(cfg.autoReconcile);
    assertEquals("reg.test/cairn:9", cfg.agentImage);
    assertEquals("3.4.23", cfg.defaultEtcdVersion);
    assertEquals("reg.test/etcd:3.4.23", cfg.etcdImageFor(cfg.defaultEtcdVersion));
    assertEquals(Duration.ofSeconds(90), cfg.memberUnknownAfter);
    assertEquals(Duration.ofSeconds(15), cfg.requeueSteady);
    assertEquals(4, cfg.reconcileThreads);
  }

  @Test
  void badValuesNameTheFlag() {
    var e = assertThrows(CommandLine.ParameterException.class, () -> parse("--member-unknown-after=soon").config());
    assertTrue(e.getMessage().contains("--member-unknown-after"), e.getMessage());
    var t = assertThrows(CommandLine.ParameterException.class,
        () -> parse("--member-unknown-after=10m", "--member-not-ready-after=1m").config());
    assertTrue(t.getMessage().contains("NotReady threshold"), t.getMessage());
    assertThrows(CommandLine.ParameterException.class, () -> parse("--http-address=8081").http());
  }

  @Test
  void leaderElectionWithoutANamespaceIsAUsageError() {
    MainTest.Run r = MainTest.run("operator", "--leader-election-namespace=", "--http-address=off");
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains("--leader-election-namespace"), r.err);
  }

  @Test
  void helpListsTheFlags() {
    MainTest.Run r = MainTest.run("operator", "--help");
    assertEquals(0, r.code);
    for (String f : new String[] {"--namespaces", "--no-auto-reconcile", "--leader-election", "--http-address",
        "--agent-image", "--etcd-image"}) {
      assertTrue(r.out.contains(f), f);
    }
  }

  private static String render(String format) throws Exception {
    LoggerContext ctx = new LoggerContext();
    ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    if (format != null) {
      ctx.putProperty("CAIRN_LOG_FORMAT", format);
    }
    JoranConfigurator j = new JoranConfigurator();
    j.setContext(ctx);
    j.doConfigure(OperatorCommandTest.class.getResource("/logback.xml"));
    var root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var appender = (ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent>) root.iteratorForAppenders().next();
    Encoder<ch.qos.logback.classic.spi.ILoggingEvent> enc = appender.getEncoder();
    var event = new LoggingEvent("x", root, ch.qos.logback.classic.Level.INFO, "created {}", null, new Object[] {"StatefulSet"});
    String line = new String(enc.encode(event), StandardCharsets.UTF_8);
    ctx.stop();
    return line;
  }

  @Test
  void logsAreJsonByDefaultAndTextOnRequest() throws Exception {
    String json = render(null);
    assertTrue(json.startsWith("{") && json.contains("\"level\":\"INFO\"") && json.contains("created StatefulSet"), json);
    String text = render("text");
    assertTrue(text.contains("INFO") && text.contains("created StatefulSet") && !text.startsWith("{"), text);
  }
}
