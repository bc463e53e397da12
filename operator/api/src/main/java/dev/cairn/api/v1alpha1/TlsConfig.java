package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** TLS for one kind of traffic: the certificate, key and CA come from one Secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsConfig {

  @Required
  @JsonPropertyDescription(
      "Secret holding tls.crt (certificate chain), tls.key (private key) and ca.crt (the CA the other side's"
          + " certificates must chain to), all PEM: the kubernetes.io/tls layout cert-manager writes. The"
          + " certificate must cover the names it is reached by: <etcd>-client.<namespace>.svc for client traffic,"
          + " <etcd>-<ordinal>.<etcd>-peer.<namespace>.svc for peer traffic.")
  private SecretRef secretRef;

  public TlsConfig() {}

  public TlsConfig(String secretName) {
    this.secretRef = new SecretRef(secretName);
  }

  public SecretRef getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretRef secretRef) {
    this.secretRef = secretRef;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    TlsConfig that = (TlsConfig) o;
    return Objects.equals(secretRef, that.secretRef);
  }

  @Override
  public int hashCode() {
    return Objects.hash(secretRef);
  }

  @Override
  public String toString() {
    return "TlsConfig{secretRef=" + secretRef + "}";
  }
}
