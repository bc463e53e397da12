package dev.cairn.agent.etcd;

import java.io.IOException;

/** The local etcd member did not answer, or answered with an error. */
public class EtcdUnavailableException extends IOException {
  public EtcdUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
