package dev.cairn.controller.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stable content hashes: the same object gives the same hash in every JVM and every run. */
public final class Hashes {

  // Map keys sorted: labels and annotations hash the same whatever order they were put in.
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private Hashes() {}

  /** sha256 of the text, first {@code hexChars} lowercase hex digits. */
  public static String sha256(String text, int hexChars) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, hexChars);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** sha256 of an object's canonical JSON (map keys sorted), 16 hex digits. */
  public static String ofObject(Object value) {
    try {
      return sha256(JSON.writeValueAsString(value), 16);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + " for hashing", e);
    }
  }
}
