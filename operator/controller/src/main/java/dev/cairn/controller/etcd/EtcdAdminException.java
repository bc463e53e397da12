package dev.cairn.controller.etcd;

/** etcd could not be asked or refused: the message says which cluster, which call and why. */
public class EtcdAdminException extends Exception {
  public EtcdAdminException(String message) {
    super(message);
  }

  public EtcdAdminException(String message, Throwable cause) {
    super(message, cause);
  }
}
