package dev.cairn.agent.snapshot;

/** A snapshot was asked of an agent whose member is not the etcd leader. */
public class NotLeaderException extends Exception {
  public NotLeaderException(String message) {
    super(message);
  }
}
