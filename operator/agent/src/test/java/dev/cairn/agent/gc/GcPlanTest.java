package dev.cairn.agent.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.StoredObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven over synthetic timelines: each case lists snapshots as "F@rev/age" (full) or
 * "D@start-end/age" (delta), ages like 30m, 5h, 3d; and the labels expected to survive.
 */
class GcPlanTest {

  static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");

  record Snap(String label, SnapshotName name) {}

  static Duration age(String s) {
    char u = s.charAt(s.length() - 1);
    long v = Long.parseLong(s.substring(0, s.length() - 1));
    return switch (u) {
      case 'm' -> Duration.ofMinutes(v);
      case 'h' -> Duration.ofHours(v);
      case 'd' -> Duration.ofDays(v);
      default -> throw new IllegalArgumentException(s);
    };
  }

  static List<Snap> timeline(String spec) {
    List<Snap> out = new ArrayList<>();
    for (String t : spec.trim().split("\\s+")) {
      String[] p = t.split("[@/]");
      Instant created = NOW.minus(age(p[2]));
      SnapshotName n;
      if (p[0].equals("F")) {
        n = new SnapshotName(SnapshotKind.FULL, 0, Long.parseLong(p[1]), created, Compression.NONE, false);
      } else {
        String[] r = p[1].split("-");
        n = new SnapshotName(SnapshotKind.DELTA, Long.parseLong(r[0]), Long.parseLong(r[1]), created, Compression.NONE, false);
      }
      out.add(new Snap(t.substring(0, t.indexOf('/')), n));
    }
    return out;
  }

  static SnapshotCatalog catalog(List<Snap> snaps) {
    List<StoredObject> listing = new ArrayList<>();
    for (Snap s : snaps) {
      listing.add(new StoredObject(s.name().objectName(), 10, s.name().created()));
      listing.add(new StoredObject(s.name().metadataName(), 1, s.name().created()));
    }
    return SnapshotCatalog.of(listing);
  }

  static TreeSet<String> survivors(String spec, RetentionPolicy policy, Duration deltaRetention) {
    List<Snap> snaps = timeline(spec);
    GcPlan plan = GcPlan.compute(catalog(snaps), policy, deltaRetention, Duration.ofHours(1), NOW);
    TreeSet<String> deleted = new TreeSet<>();
    plan.snapshots().forEach(e -> deleted.add(e.object().name()));
    TreeSet<String> keep = new TreeSet<>();
    for (Snap s : snaps) {
      if (!deleted.contains(s.name().objectName())) {
        keep.add(s.label());
      }
    }
    return keep;
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("limit 2 keeps two newest fulls and their deltas",
            new LimitBasedPolicy(2), null,
            "F@10/5h D@11-20/4h F@30/3h D@31-40/2h F@50/1h D@51-60/30m",
            "D@31-40 D@51-60 F@30 F@50"),
        Arguments.of("limit 1 never drops the newest chain",
            new LimitBasedPolicy(1), null,
            "F@10/5h D@11-20/4h D@21-30/3h F@30/2h D@21-40/1h D@41-50/10m",
            "D@21-40 D@41-50 F@30"),
        Arguments.of("delta straddling a full belongs to the newer full",
            new LimitBasedPolicy(1), null,
            "F@10/5h D@11-25/4h F@20/3h D@26-30/2h",
            "D@11-25 D@26-30 F@20"),
        Arguments.of("deltas before the first full go",
            new LimitBasedPolicy(5), null,
            "D@1-5/5h D@6-9/4h F@10/3h D@11-12/1h",
            "D@11-12 F@10"),
        Arguments.of("deltas without any full stay",
            new LimitBasedPolicy(1), null,
            "D@1-5/5h D@6-9/4h",
            "D@1-5 D@6-9"),
        Arguments.of("delta retention drops old deltas of kept fulls but not the newest chain",
            new LimitBasedPolicy(3), Duration.ofHours(2),
            "F@10/5h D@11-20/4h F@30/3h D@31-40/90m F@50/2h D@51-60/3h D@61-70/10m",
            "D@31-40 D@51-60 D@61-70 F@10 F@30 F@50"),
        Arguments.of("exponential: all of the last hour, one per hour for a day",
            new ExponentialPolicy(), null,
            "F@1/200m F@2/190m F@3/130m F@4/125m F@5/50m F@6/40m F@7/10m",
            "F@2 F@4 F@5 F@6 F@7"),
        Arguments.of("exponential: one per day for a week, one per week for four weeks, then none",
            new ExponentialPolicy(), null,
            "F@1/40d F@2/27d F@3/26d F@4/20d F@5/3d F@6/3d F@7/2d F@8/5h F@9/10m",
            "F@3 F@4 F@6 F@7 F@8 F@9"),
        Arguments.of("exponential keeps the newest chain even when everything is old",
            new ExponentialPolicy(), null,
            "F@1/60d F@2/50d D@3-9/49d",
            "D@3-9 F@2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void keepsExactlyWhatThePolicySays(String title, RetentionPolicy policy, Duration deltaRetention, String timeline,
      String expected) {
    assertEquals(new TreeSet<>(List.of(expected.split(" "))), survivors(timeline, policy, deltaRetention), title);
  }

  @Test
  void straysGoOnlyAfterTheGracePeriod() {
    SnapshotName young = new SnapshotName(SnapshotKind.FULL, 0, 5, NOW.minusSeconds(60), Compression.NONE, false);
    SnapshotName old = new SnapshotName(SnapshotKind.FULL, 0, 4, NOW.minus(Duration.ofHours(3)), Compression.NONE, false);
    SnapshotName orphan = new SnapshotName(SnapshotKind.FULL, 0, 3, NOW.minus(Duration.ofHours(3)), Compression.NONE, false);
    SnapshotCatalog c = SnapshotCatalog.of(List.of(
        new StoredObject(young.objectName(), 1, young.created()),
        new StoredObject(old.objectName(), 1, old.created()),
        new StoredObject(orphan.metadataName(), 1, orphan.created())));
    GcPlan plan = GcPlan.compute(c, new LimitBasedPolicy(1), null, Duration.ofHours(1), NOW);
    assertEquals(List.of(), plan.snapshots());
    assertEquals(List.of(orphan.metadataName(), old.objectName()),
        plan.strays().stream().map(StoredObject::name).sorted().toList());
    assertEquals(0, c.snapshots().size(), "objects without metadata are never trusted");
  }
}
