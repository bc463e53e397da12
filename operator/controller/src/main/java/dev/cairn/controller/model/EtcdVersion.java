package dev.cairn.controller.model;

import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.controller.OperatorConfig;

/**
 * The etcd version and images in effect for an Etcd: the spec's when set, the operator's defaults
 * otherwise. The schema guarantees a version whenever an image is given.
 */
public record EtcdVersion(int major, int minor, int patch) {

  /** Parses {@code 3.5.17} or {@code v3.5.17}. */
  public static EtcdVersion parse(String text) {
    String t = text.startsWith("v") ? text.substring(1) : text;
    String[] p = t.split("\\.");
    if (p.length != 3) {
      throw new IllegalArgumentException("etcd version '" + text + "' is not major.minor.patch such as 3.5.17");
    }
    try {
      return new EtcdVersion(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("etcd version '" + text + "' is not major.minor.patch such as 3.5.17", e);
    }
  }

  /** The version in effect for this Etcd. */
  public static EtcdVersion of(Etcd etcd, OperatorConfig cfg) {
    return parse(text(etcd, cfg));
  }

  /** The version text in effect (without a leading v). */
  public static String text(Etcd etcd, OperatorConfig cfg) {
    String v = etcd.getSpec().getEtcd() == null ? null : etcd.getSpec().getEtcd().getVersion();
    if (v == null || v.isBlank()) {
      return cfg.defaultEtcdVersion;
    }
    return v.startsWith("v") ? v.substring(1) : v;
  }

  /** Image of the etcd container. */
  public static String etcdImage(Etcd etcd, OperatorConfig cfg) {
    String image = etcd.getSpec().getEtcd() == null ? null : etcd.getSpec().getEtcd().getImage();
    return image != null && !image.isBlank() ? image : cfg.etcdImageFor(text(etcd, cfg));
  }

  /** Image of the agent container. */
  public static String agentImage(Etcd etcd, OperatorConfig cfg) {
    String image = etcd.getSpec().getAgent() == null ? null : etcd.getSpec().getAgent().getImage();
    return image != null && !image.isBlank() ? image : cfg.agentImage;
  }

  public boolean atLeast(int major, int minor) {
    return this.major > major || (this.major == major && this.minor >= minor);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
