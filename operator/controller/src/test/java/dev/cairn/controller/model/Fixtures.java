package dev.cairn.controller.model;

import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.BackupStore;
import dev.cairn.api.v1alpha1.Encryption;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.SecretRef;
import dev.cairn.api.v1alpha1.StoreProvider;
import dev.cairn.api.v1alpha1.TlsConfig;
import dev.cairn.controller.OperatorConfig;

/** Etcd objects for the builder tests. */
public final class Fixtures {

  public static final OperatorConfig CFG = OperatorConfig.builder()
      .agentImage("registry.test/cairn:1.0").etcdImageTemplate("registry.test/cairn-etcd:v{version}").build();

  private Fixtures() {}

  public static Etcd plain() {
    Etcd e = new Etcd("platform", "orders");
    e.getMetadata().setUid("0b1c2d3e-0000-4000-8000-000000000001");
    return e;
  }

  /** TLS everywhere, S3 backups with credentials, CA, encryption and token. */
  public static Etcd full() {
    Etcd e = plain();
    e.getSpec().getEtcd().setClientTLS(new TlsConfig("orders-client-tls"));
    e.getSpec().getEtcd().setPeerTLS(new TlsConfig("orders-peer-tls"));
    e.getSpec().getAgent().setTls(new TlsConfig("orders-agent-tls"));
    BackupStore s = new BackupStore();
    s.setProvider(StoreProvider.S3);
    s.setBucket("acme-backups");
    s.setEndpoint("https://minio.example:9000");
    s.setRegion("eu-central-1");
    s.setForcePathStyle(true);
    s.setCaSecretRef(new SecretRef("orders-s3-ca"));
    s.setCredentialsSecretRef(new SecretRef("orders-s3"));
    BackupSpec b = new BackupSpec();
    b.setStore(s);
    Encryption enc = new Encryption();
    enc.setKeySecretRef(new SecretRef("orders-key"));
    b.setEncryption(enc);
    b.setTokenSecretRef(new SecretRef("orders-token"));
    e.getSpec().setBackup(b);
    return e;
  }

  public static Etcd localStore() {
    Etcd e = plain();
    BackupStore s = new BackupStore();
    s.setProvider(StoreProvider.LOCAL);
    s.setPath("/srv/etcd-backups");
    BackupSpec b = new BackupSpec();
    b.setStore(s);
    e.getSpec().setBackup(b);
    return e;
  }
}
