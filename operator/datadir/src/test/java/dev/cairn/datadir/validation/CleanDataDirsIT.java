package dev.cairn.datadir.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.Damage;
import dev.cairn.datadir.EtcdDataSets;
import dev.cairn.datadir.bbolt.DbRevision;
import dev.cairn.datadir.bbolt.RevisionReader;
import dev.cairn.testkit.EtcdCluster;
import dev.cairn.testkit.TestDirs;
import io.etcd.jetcd.Client;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** No false positives: every data dir etcd left behind, cleanly or not, passes. */
class CleanDataDirsIT {

  private static ValidationReport validate(Path dir, ValidationMode mode, OptionalLong store) throws Exception {
    return DataDirValidator.validate(dir, mode, "test", store);
  }

  @Test
  void everyCleanDataDirPassesFullAndSanityValidation() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    for (Path dir : List.of(s.dataDir(), s.repairedDataDir(), s.killedDataDir(), EtcdDataSets.multiWal().dataDir())) {
      for (ValidationMode mode : ValidationMode.values()) {
        ValidationReport r = validate(dir, mode, OptionalLong.empty());
        assertInstanceOf(ValidationOutcome.Valid.class, r.outcome(), r.toText());
        assertEquals(0, r.exitCode());
        assertTrue(r.checks().stream().noneMatch(c -> c.status() == CheckResult.Status.FAIL), r.toText());
      }
    }
  }

  @Test
  void fullValidationRunsEveryCheckAndSanityOnlyStructureAndRevision() throws Exception {
    Path dir = EtcdDataSets.small().dataDir();
    List<String> full = validate(dir, ValidationMode.FULL, OptionalLong.of(1)).checks().stream().map(CheckResult::name).toList();
    assertEquals(List.of("structure", "revision", "db", "wal", "snap", "consistency", "staleness"), full);
    List<String> sanity = validate(dir, ValidationMode.SANITY, OptionalLong.empty()).checks().stream().map(CheckResult::name).toList();
    assertEquals(List.of("structure", "revision"), sanity);
  }

  @Test
  void aTornWalTailIsAWarningNotCorruption() throws Exception {
    Path dir = Damage.linkTree(EtcdDataSets.small().dataDir(), TestDirs.create(CleanDataDirsIT.class, "torn").resolve("d"));
    Path wal = Damage.own(EtcdDataSets.lastWal(dir));
    long end = EtcdDataSets.endOfRecords(wal);
    // A frame whose record never reached the disk: etcd's torn-write case.
    try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1500), end);
    }
    ValidationReport r = validate(dir, ValidationMode.FULL, OptionalLong.empty());
    assertInstanceOf(ValidationOutcome.Valid.class, r.outcome(), r.toText());
    CheckResult w = r.checks().stream().filter(c -> c.name().equals("wal")).findFirst().orElseThrow();
    assertEquals(CheckResult.Status.WARN, w.status());
    assertTrue(w.warnings().get(0).contains("torn write at offset " + end), w.warnings().toString());
  }

  @Test
  void snapshotsFromEtcdctlAndJetcdPass() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    for (Path f : List.of(s.snapshotEtcdctl(), s.snapshotJetcd())) {
      ValidationReport r = DataDirValidator.validateSnapshotFile(f);
      assertInstanceOf(ValidationOutcome.Valid.class, r.outcome(), r.toText());
      assertEquals(List.of("trailer", "db", "revision"), r.checks().stream().map(CheckResult::name).toList());
    }
  }

  @Test
  void aDbAtOrAboveTheStoreRevisionIsNotStaleAndBelowItIs() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    for (ValidationMode mode : ValidationMode.values()) {
      assertInstanceOf(ValidationOutcome.Valid.class, validate(s.dataDir(), mode, OptionalLong.of(s.revision())).outcome());
      ValidationReport r = validate(s.dataDir(), mode, OptionalLong.of(s.revision() + 1));
      ValidationOutcome.Stale st = assertInstanceOf(ValidationOutcome.Stale.class, r.outcome(), r.toText());
      assertEquals(s.revision(), st.dbRevision());
      assertEquals(s.revision() + 1, st.storeRevision());
      assertEquals(1, r.exitCode());
    }
  }

  /**
   * The crashed member's db lags its WAL: its own revision is below writes etcd acknowledged. It
   * must not be called stale, and etcd started on it must indeed reach that revision.
   */
  @Test
  void aDbThatLagsItsWalIsNotStaleAndEtcdProvesIt() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    Path killed = s.killedDataDir();
    long dbRev = RevisionReader.read(killed.resolve("member/snap/db")).revision();
    long acked = s.killedAckedRevision();
    assertTrue(dbRev < acked, "the SIGKILLed db should lag the acknowledged writes: db " + dbRev + ", acked " + acked);

    for (ValidationMode mode : ValidationMode.values()) {
      ValidationReport r = validate(killed, mode, OptionalLong.of(acked));
      assertInstanceOf(ValidationOutcome.Valid.class, r.outcome(), r.toText());
      CheckResult st = r.checks().stream().filter(c -> c.name().equals("staleness")).findFirst().orElseThrow();
      assertEquals(CheckResult.Status.WARN, st.status(), r.toText());
    }
    // Beyond what the WAL can replay: stale.
    ValidationReport r = validate(killed, ValidationMode.SANITY, OptionalLong.empty());
    long bound = (long) validate(killed, ValidationMode.FULL, OptionalLong.of(acked)).checks().stream()
        .filter(c -> c.name().equals("staleness")).findFirst().orElseThrow().details().get("maxRevisionAfterReplay");
    assertInstanceOf(ValidationOutcome.Valid.class, r.outcome());
    ValidationReport stale = validate(killed, ValidationMode.SANITY, OptionalLong.of(bound + 1));
    assertInstanceOf(ValidationOutcome.Stale.class, stale.outcome(), stale.toText());

    // Start etcd on a copy: after replay its revision reaches the acknowledged one, within the bound.
    Path dir = TestDirs.create(CleanDataDirsIT.class, "replay");
    try (EtcdCluster etcd = EtcdCluster.builder(dir).members(1).build()) {
      EtcdDataSets.copyTree(killed, etcd.member(0).dataDir());
      etcd.member(0).start().awaitHealthy(Duration.ofSeconds(30));
      long live;
      try (Client c = etcd.client()) {
        live = c.getKVClient().get(io.etcd.jetcd.ByteSequence.from("x", java.nio.charset.StandardCharsets.UTF_8))
            .get(10, TimeUnit.SECONDS).getHeader().getRevision();
      }
      assertTrue(live >= acked, "etcd replayed the WAL to revision " + live + ", acknowledged " + acked);
      assertTrue(live <= bound, "the bound " + bound + " must cover what etcd reached: " + live);
    }
  }

  @Test
  void revisionOfTheCleanDbMatchesWhatEtcdReported() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    DbRevision r = RevisionReader.read(s.dataDir().resolve("member/snap/db"));
    assertEquals(s.revision(), r.revision());
  }
}
