package dev.cairn.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The revision of a StatefulSet's pod template, as the {@code controller-revision-hash} label
 * carries it ({@code <sts>-<hash>}). The hash is over a normalised JSON form (sorted keys, no nulls
 * and no empty lists or maps), so the same template always gives the same revision, also across
 * restarts of local mode, while any real change gives a new one.
 */
final class TemplateHash {

  // Kubernetes' "safe" alphabet: no vowels, no look-alike characters.
  private static final char[] ALPHABET = "bcdfghjklmnpqrstvwxz2456789".toCharArray();

  private TemplateHash() {}

  static String revision(String statefulSetName, PodTemplateSpec template) {
    return statefulSetName + "-" + hash(template);
  }

  static String hash(PodTemplateSpec template) {
    // normalise() sorts object keys: the same content always gives the same bytes.
    JsonNode normal = Json.normalise(Json.tree(template == null ? new PodTemplateSpec() : template));
    try {
      byte[] json = (normal == null ? "{}" : normal.toString()).getBytes(StandardCharsets.UTF_8);
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json);
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        out.append(ALPHABET[(digest[i] & 0xff) % ALPHABET.length]);
      }
      return out.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash a pod template", e);
    }
  }
}
