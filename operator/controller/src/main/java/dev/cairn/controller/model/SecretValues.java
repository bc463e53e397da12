package dev.cairn.controller.model;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reading one key of a Secret the way every part of the operator must. */
public final class SecretValues {

  private SecretValues() {}

  /**
   * A key of a Secret, decoded; null when absent. {@code stringData} counts too: the API server folds
   * it into data on write, but the test API server and local mode keep it as written.
   *
   * @throws IllegalArgumentException when the {@code data} value is not base64
   */
  public static byte[] bytes(Secret s, String key) {
    if (s.getData() != null && s.getData().get(key) != null) {
      return Base64.getDecoder().decode(s.getData().get(key).strip().getBytes(StandardCharsets.US_ASCII));
    }
    if (s.getStringData() != null && s.getStringData().get(key) != null) {
      return s.getStringData().get(key).getBytes(StandardCharsets.UTF_8);
    }
    return null;
  }
}
