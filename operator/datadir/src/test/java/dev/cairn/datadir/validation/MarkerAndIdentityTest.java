package dev.cairn.datadir.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.CorruptFileException;
import dev.cairn.testkit.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MarkerAndIdentityTest {

  private static Path dataDir(String name) {
    return TestDirs.create(MarkerAndIdentityTest.class, name);
  }

  @Test
  void markerRoundTripsAndClassifiesExits() throws Exception {
    Path f = ValidationFlow.markerFile(dataDir("marker"));
    assertNull(ExitMarker.read(f));
    ExitMarker.running().write(f);
    assertEquals(ExitMarker.State.RUNNING, ExitMarker.read(f).state());
    assertFalse(ExitMarker.read(f).previousExitClean());
    for (int code : new int[] {0, 130, 143}) {
      ExitMarker.exited(code).write(f);
      ExitMarker m = ExitMarker.read(f);
      assertEquals(code, m.exitCode());
      assertTrue(m.previousExitClean(), "exit " + code);
    }
    for (int code : new int[] {1, 2, 137, 134}) {
      ExitMarker.exited(code).write(f);
      assertFalse(ExitMarker.read(f).previousExitClean(), "exit " + code);
    }
    try (Stream<Path> s = Files.list(f.getParent())) {
      assertEquals(List.of(f), s.toList(), "no temporary file left behind by the atomic write");
    }
  }

  @Test
  void theMarkerPicksTheMode() throws Exception {
    Path d = dataDir("mode");
    assertEquals(ValidationMode.FULL, ValidationFlow.chooseMode(d).mode());
    ExitMarker.running().write(ValidationFlow.markerFile(d));
    assertEquals(ValidationMode.FULL, ValidationFlow.chooseMode(d).mode());
    ExitMarker.exited(143).write(ValidationFlow.markerFile(d));
    assertEquals(ValidationMode.SANITY, ValidationFlow.chooseMode(d).mode());
    ExitMarker.exited(137).write(ValidationFlow.markerFile(d));
    assertEquals(ValidationMode.FULL, ValidationFlow.chooseMode(d).mode());
    Files.writeString(ValidationFlow.markerFile(d), "version=9\nstate=exited\n");
    ValidationFlow.ModeChoice c = ValidationFlow.chooseMode(d);
    assertEquals(ValidationMode.FULL, c.mode());
    assertTrue(c.reason().contains("version 9"), c.reason());
    Files.writeString(ValidationFlow.markerFile(d), "garbage");
    assertEquals(ValidationMode.FULL, ValidationFlow.chooseMode(d).mode());
  }

  @Test
  void identityRoundTripsAndConflictsOnlyOnFieldsSetInBoth() throws Exception {
    Path f = ValidationFlow.identityFile(dataDir("identity"));
    VolumeIdentity id = new VolumeIdentity("prod", "main", "main-0", "uid-1");
    id.write(f);
    assertEquals(id, VolumeIdentity.read(f));
    assertTrue(id.conflictsWith(VolumeIdentity.read(f)).isEmpty());
    assertEquals(1, new VolumeIdentity("prod", "main", "main-1", null).conflictsWith(id).size());
    assertTrue(new VolumeIdentity(null, "main", null, null).conflictsWith(id).isEmpty());
    Files.writeString(f, "version=2\n");
    assertThrows(CorruptFileException.class, () -> VolumeIdentity.read(f));
  }

  @Test
  void anEmptyVolumeIsClaimedAndAnotherMemberIsRefused() throws Exception {
    Path d = dataDir("claim");
    VolumeIdentity m0 = new VolumeIdentity("prod", "main", "main-0", "uid-1");
    ValidationReport r = ValidationFlow.run(ValidationFlow.Request.of(d).withIdentity(m0));
    assertInstanceOf(ValidationOutcome.Empty.class, r.outcome());
    assertEquals(3, r.exitCode());
    assertEquals(m0, VolumeIdentity.read(ValidationFlow.identityFile(d)));

    VolumeIdentity m1 = new VolumeIdentity("prod", "main", "main-1", "uid-1");
    ValidationReport wrong = ValidationFlow.run(ValidationFlow.Request.of(d).withIdentity(m1)
        .withStoreRevision(OptionalLong.of(5)));
    ValidationOutcome.WrongVolume w = assertInstanceOf(ValidationOutcome.WrongVolume.class, wrong.outcome());
    assertTrue(w.reasons().get(0).contains("member: expected main-1, the volume belongs to main-0"), w.reasons().toString());
    assertEquals(1, wrong.exitCode());
    assertEquals(m0, VolumeIdentity.read(ValidationFlow.identityFile(d)), "a refused volume is left as it was");

    // Same member again: accepted.
    assertInstanceOf(ValidationOutcome.Empty.class, ValidationFlow.run(ValidationFlow.Request.of(d).withIdentity(m0)).outcome());
  }

  @Test
  void anUnreadableIdentityFileRefusesTheVolume() throws Exception {
    Path d = dataDir("bad-identity");
    Files.createDirectories(ValidationFlow.identityFile(d).getParent());
    Files.writeString(ValidationFlow.identityFile(d), "not an identity");
    ValidationReport r = ValidationFlow.run(ValidationFlow.Request.of(d).withIdentity(new VolumeIdentity("a", "b", "c", "d")));
    assertInstanceOf(ValidationOutcome.WrongVolume.class, r.outcome());
  }

  @Test
  void aPartialMemberDirectoryIsCorruptAndTheJsonListsEveryCheck() throws Exception {
    Path d = dataDir("partial");
    Files.createDirectories(d.resolve("member/snap"));
    ValidationReport r = ValidationFlow.run(ValidationFlow.Request.of(d));
    ValidationOutcome.Corrupt c = assertInstanceOf(ValidationOutcome.Corrupt.class, r.outcome());
    assertTrue(c.reasons().stream().anyMatch(x -> x.contains("member/wal is missing")), c.reasons().toString());
    assertTrue(c.reasons().stream().anyMatch(x -> x.contains("member/snap/db is missing")), c.reasons().toString());
    String json = r.toJson();
    assertTrue(json.contains("\"name\": \"structure\""), json);
    assertTrue(json.contains("\"status\": \"fail\""), json);
    assertTrue(json.contains("\"durationMillis\""), json);
    assertTrue(json.contains("\"kind\": \"Corrupt\""), json);
  }
}
