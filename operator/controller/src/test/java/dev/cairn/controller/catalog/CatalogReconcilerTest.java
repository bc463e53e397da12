package dev.cairn.controller.catalog;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogReconcilerTest {

  @Test
  void aSnapshotLeaseGoingBackInRevisionMeansANewTimeline() {
    Map<String, Long> before = Map.of("c-full-snapshot", 500L, "c-delta-snapshot", 900L);
    assertFalse(CatalogReconciler.wentBack(before, Map.of("c-full-snapshot", 500L, "c-delta-snapshot", 950L)));
    assertFalse(CatalogReconciler.wentBack(Map.of(), before), "nothing known before: no comparison");
    assertTrue(CatalogReconciler.wentBack(before, Map.of("c-full-snapshot", 300L, "c-delta-snapshot", 900L)),
        "a new base below the old one: restored to an older point");
    assertTrue(CatalogReconciler.wentBack(before, Map.of("c-full-snapshot", 500L, "c-delta-snapshot", 320L)));
  }
}
