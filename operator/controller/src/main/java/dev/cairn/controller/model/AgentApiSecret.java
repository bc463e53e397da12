package dev.cairn.controller.model;

import dev.cairn.api.Labels;
import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The Secret {@code <etcd>-agent-api}: the bearer token that the members' agents require of every API
 * request that acts (snapshots on demand, initialisation, restore and force-new-cluster directives).
 * The operator creates it once with a random token and then only reads it; deleting it rotates the
 * token (the operator creates a new one, the kubelet updates the mounted files, agents and the
 * operator read the token at each request). Both containers of a member mount it: the agent checks
 * the token, the wrapper sends it with the initialisation start.
 */
public final class AgentApiSecret {

  /** The key holding the token. */
  public static final String KEY = SecretKeys.TOKEN;

  private static final SecureRandom RANDOM = new SecureRandom();

  private AgentApiSecret() {}

  /** The Secret holding {@code token}. */
  public static Secret build(Etcd etcd, String token) {
    return new SecretBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.agentApiSecret(etcd), Labels.COMPONENT_AGENT_API))
        .withType("Opaque")
        .withData(Map.of(KEY, Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))))
        .build();
  }

  /** A new token: 32 random bytes, base64url without padding (43 characters). */
  public static String newToken() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * The token of {@code secret} ({@code data} or, as local mode and hand-written Secrets may have it,
   * {@code stringData}), stripped; null when absent, blank or not base64.
   */
  public static String token(Secret secret) {
    if (secret == null) {
      return null;
    }
    byte[] v;
    try {
      v = SecretValues.bytes(secret, KEY);
    } catch (IllegalArgumentException e) {
      return null;
    }
    String t = v == null ? "" : new String(v, StandardCharsets.UTF_8).strip();
    return t.isEmpty() ? null : t;
  }
}
