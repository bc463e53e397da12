package dev.cairn.agent.store;

import java.util.List;
import java.util.Optional;

/**
 * One page of a sorted listing.
 *
 * @param objects objects in ascending name order (which is ascending revision order for snapshots)
 * @param nextStartAfter pass it as {@code startAfter} to read the next page; empty on the last page
 */
public record StorePage(List<StoredObject> objects, Optional<String> nextStartAfter) {
  public StorePage {
    objects = List.copyOf(objects);
  }
}
