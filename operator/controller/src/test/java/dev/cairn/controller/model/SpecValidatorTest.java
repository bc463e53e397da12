package dev.cairn.controller.model;

import static dev.cairn.controller.model.Fixtures.CFG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes());
  }

  private static final Map<String, Map<String, String>> GOOD = new HashMap<>();

  static {
    Map<String, String> tls = Map.of("tls.crt", b64("c"), "tls.key", b64("k"), "ca.crt", b64("a"));
    GOOD.put("orders-client-tls", tls);
    GOOD.put("orders-peer-tls", tls);
    GOOD.put("orders-agent-tls", tls);
    GOOD.put("orders-s3", Map.of("accessKeyID", b64("a"), "secretAccessKey", b64("s")));
    GOOD.put("orders-s3-ca", Map.of("ca.crt", b64("a")));
    GOOD.put("orders-key", Map.of("key", Base64.getEncoder().encodeToString(new byte[32])));
    GOOD.put("orders-token", Map.of("token", b64("t")));
  }

  private static List<Problem> validate(Etcd e, Map<String, Map<String, String>> secrets) {
    return SpecValidator.validate(e, CFG, null, n -> Optional.ofNullable(secrets.get(n)));
  }

  @Test
  void aCompleteSpecIsValid() {
    assertEquals(List.of(), validate(Fixtures.plain(), Map.of()));
    assertEquals(List.of(), validate(Fixtures.full(), GOOD));
  }

  @Test
  void capacityMustExceedTheQuotaAndNeverShrink() {
    Etcd e = Fixtures.plain();
    e.getSpec().getStorage().setCapacity(new Quantity("8Gi"));
    List<Problem> p = validate(e, Map.of());
    assertEquals(1, p.size());
    assertEquals("storage.capacity", p.get(0).field());
    assertTrue(p.get(0).message().contains("8Gi") && p.get(0).message().contains("twice the quota"), p.get(0).message());

    Etcd running = Fixtures.plain();
    running.getSpec().getStorage().setCapacity(new Quantity("20Gi"));
    var sts = MemberStatefulSet.build(running, CFG, 3, null);
    List<Problem> shrink = SpecValidator.validate(Fixtures.plain(), CFG, sts, n -> Optional.empty());
    assertEquals(1, shrink.size());
    assertTrue(shrink.get(0).message().contains("cannot shrink"), shrink.get(0).message());
  }

  @Test
  void oldEtcdVersionsAreRefused() {
    Etcd e = Fixtures.plain();
    e.getSpec().getEtcd().setVersion("3.3.27");
    List<Problem> p = validate(e, Map.of());
    assertEquals("etcd.version", p.get(0).field());
    assertTrue(p.get(0).message().contains("3.4 or newer"));
    e.getSpec().getEtcd().setVersion("v3.4.23");
    assertEquals(List.of(), validate(e, Map.of()));
  }

  @Test
  void missingSecretsAndKeysAreNamed() {
    Map<String, Map<String, String>> s = new HashMap<>(GOOD);
    s.remove("orders-peer-tls");
    s.put("orders-s3", Map.of("accessKeyID", b64("a")));
    s.put("orders-key", Map.of("key", b64("too short")));
    List<Problem> p = validate(Fixtures.full(), s);
    assertEquals(3, p.size(), p.toString());
    assertTrue(p.get(0).message().contains("orders-peer-tls") && p.get(0).message().contains("does not exist"));
    assertTrue(p.get(1).message().contains("secretAccessKey"));
    assertTrue(p.get(2).message().contains("9 bytes") && p.get(2).message().contains("exactly 32"));
    assertTrue(p.stream().noneMatch(x -> x.message().contains("too short")), "secret values never in messages");
  }
}
