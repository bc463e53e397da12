package dev.cairn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.api.schema.CrdValidator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class GoDurationTest {

  @ParameterizedTest(name = "{0} = {1} ns")
  @CsvSource({
    "20s, 20000000000",
    "5m, 300000000000",
    "1h30m, 5400000000000",
    "1.5h, 5400000000000",
    "250ms, 250000000",
    "10us, 10000",
    "7ns, 7",
    "0s, 0",
    "30s1m, 90000000000",
    "1h1h, 7200000000000",
    "0.5ns, 0",
    "1.0000000001s, 1000000000",
    "2562047h, 9223369200000000000",
  })
  void parsesLikeGo(String text, long nanos) {
    assertEquals(Duration.ofNanos(nanos), GoDuration.parse(text));
  }

  @ParameterizedTest(name = "rejects \"{0}\"")
  @ValueSource(strings = {"", "20", "0", "-5s", "+5s", "5 s", " 5s", "5S", "1d", ".5s", "5.s", "5µs", "1h 30m", "s", "5sm", "1e3s"})
  void rejectsWithAMessageNamingTheValue(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
    assertTrue(e.getMessage().contains("1h30m"), "the message shows the expected form: " + e.getMessage());
  }

  @Test
  void rejectsNullAndOverflow() {
    assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("2562048h"));
    assertTrue(e.getMessage().contains("292 years"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "20s", "5m", "1h30m", "1s500ms", "1h0m1s", "36h", "1ms1us1ns"})
  void formatIsReadBack(String text) {
    Duration value = GoDuration.parse(text);
    assertEquals(value, GoDuration.parse(GoDuration.format(value)));
  }

  @Test
  void formatIsShort() {
    assertEquals("1h30m", GoDuration.format(Duration.ofMinutes(90)));
    assertEquals("1s500ms", GoDuration.format(Duration.ofMillis(1500)));
    assertEquals("0s", GoDuration.format(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> GoDuration.format(Duration.ofSeconds(-1)));
  }

  /** Every duration field in the CRD carries the same pattern the parser is built on. */
  @Test
  void crdDurationFieldsUsePatternsDuration() {
    JsonNode backup = CrdValidator.forKind("Etcd").crdSchema().at("/properties/spec/properties/backup/properties");
    assertEquals(Patterns.DURATION, backup.at("/deltaSnapshotPeriod/pattern").asText());
    assertEquals(Patterns.DURATION, backup.at("/garbageCollection/properties/period/pattern").asText());
    assertEquals(Patterns.DURATION, backup.at("/garbageCollection/properties/deltaRetention/pattern").asText());
    assertEquals(Patterns.DURATION, CrdValidator.forKind("Etcd").crdSchema()
        .at("/properties/spec/properties/recovery/properties/quorumLossGracePeriod/pattern").asText());
  }

  /**
   * The schema pattern, the parser and CEL's duration() (what the API server's rules use) agree: on a
   * fixed corpus and on random strings over the duration alphabet.
   */
  @Test
  void patternParserAndCelAgree() {
    Pattern schemaPattern = Pattern.compile(Patterns.DURATION);
    List<String> corpus = new ArrayList<>(List.of("20s", "1h30m", "1.5h", "250ms", "10us", "7ns", "0s", "30s1m",
        "20", "0", "-5s", "1d", ".5s", "5.s", "5 s", "5µs", "1e3s", "h", "1hm", "01m", "00.50s"));
    Random random = new Random(42);
    String[] atoms = {"0", "1", "5", "9", ".", "h", "m", "s", "ms", "us", "ns", " ", "-", "+", "d", "µ"};
    for (int i = 0; i < 3000; i++) {
      StringBuilder s = new StringBuilder();
      int n = 1 + random.nextInt(6);
      for (int j = 0; j < n; j++) {
        s.append(atoms[random.nextInt(atoms.length)]);
      }
      corpus.add(s.toString());
    }
    String[] units = {"h", "m", "s", "ms", "us", "ns"};
    for (int i = 0; i < 1000; i++) {
      StringBuilder s = new StringBuilder();
      int parts = 1 + random.nextInt(3);
      for (int j = 0; j < parts; j++) {
        s.append(random.nextInt(1000));
        if (random.nextInt(4) == 0) {
          s.append('.').append(random.nextInt(1000));
        }
        s.append(units[random.nextInt(units.length)]);
      }
      corpus.add(s.toString());
    }
    int accepted = 0;
    for (String text : corpus) {
      boolean byPattern = schemaPattern.matcher(text).find();
      assertEquals(byPattern, GoDuration.isValid(text), "pattern and parser disagree on \"" + text + "\"");
      if (byPattern) {
        accepted++;
        Object cel = evalCel("duration(self)", text);
        com.google.protobuf.Duration proto = (com.google.protobuf.Duration) cel;
        Duration expected = GoDuration.parse(text);
        assertEquals(expected, Duration.ofSeconds(proto.getSeconds(), proto.getNanos()),
            "CEL duration() and the parser disagree on \"" + text + "\"");
      }
    }
    assertTrue(accepted > 1000, "the random corpus should contain valid durations too, had " + accepted);
  }

  private static Object evalCel(String expression, String self) {
    try {
      return CrdValidator.program(expression).eval(Map.of("self", self));
    } catch (dev.cel.runtime.CelEvaluationException e) {
      throw new AssertionError(expression + " failed for " + self, e);
    }
  }
}
