package dev.cairn.agent.snapshot;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A cut delta waiting for upload: a delta file (see {@link DeltaFormat}) in the scratch directory.
 *
 * @param startRevision the revision after the previous delta's end
 * @param endRevision the revision of the last event
 * @param eventCount events in the file
 * @param file the delta file
 * @param firstEventAt when the agent received the oldest event in it (for the capture lag)
 */
public record DeltaSegment(long startRevision, long endRevision, long eventCount, Path file, Instant firstEventAt) {}
