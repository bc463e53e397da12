package dev.cairn.controller.etcd;

/** An agent could not be reached or refused a request: the message says which agent and why. */
public class AgentException extends Exception {
  public AgentException(String message) {
    super(message);
  }

  public AgentException(String message, Throwable cause) {
    super(message, cause);
  }
}
