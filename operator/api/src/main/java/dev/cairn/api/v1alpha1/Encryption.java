package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** Client-side encryption of snapshots before they leave the pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Encryption {

  @Required
  @JsonPropertyDescription(
      "Secret whose key \"key\" holds exactly 32 bytes: the AES-256-GCM key. Snapshots are encrypted before"
          + " upload and decrypted on restore. Keep a copy of the key outside the cluster: without it the"
          + " snapshots cannot be read. Changing the Secret's content only affects new snapshots.")
  private SecretRef keySecretRef;

  public SecretRef getKeySecretRef() {
    return keySecretRef;
  }

  public void setKeySecretRef(SecretRef keySecretRef) {
    this.keySecretRef = keySecretRef;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    Encryption that = (Encryption) o;
    return Objects.equals(keySecretRef, that.keySecretRef);
  }

  @Override
  public int hashCode() {
    return Objects.hash(keySecretRef);
  }

  @Override
  public String toString() {
    return "Encryption{keySecretRef=" + keySecretRef + "}";
  }
}
