package dev.cairn.agent.store;

import java.io.IOException;

/**
 * A backup store operation failed. The message names the store (never its credentials), the
 * operation and the object, so an operator can act on it.
 */
public class StoreException extends IOException {

  private final String operation;

  public StoreException(String operation, String message, Throwable cause) {
    super(message, cause);
    this.operation = operation;
  }

  public StoreException(String operation, String message) {
    super(message);
    this.operation = operation;
  }

  /** The failed operation (put, get, list, delete, check), used as a metric tag. */
  public String operation() {
    return operation;
  }
}
