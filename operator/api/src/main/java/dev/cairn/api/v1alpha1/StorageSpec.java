package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/** The persistent volume each member keeps its data directory on. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(oldSelf.storageClassName)"
        + " || (has(self.storageClassName) && self.storageClassName == oldSelf.storageClassName)",
    message = "storage.storageClassName cannot be changed or removed once set: existing volumes keep their class",
    fieldPath = ".storageClassName")
public class StorageSpec {

  @Default("10Gi")
  @ValidationRule(value = Patterns.POSITIVE_QUANTITY_RULE, message = "storage.capacity must be a positive quantity such as 10Gi")
  @JsonPropertyDescription(
      "Size of each member's volume. Leave room above etcd.quotaBackendBytes for the WAL, Raft snapshots and a"
          + " defragmentation copy: about twice the quota.")
  private Quantity capacity = new Quantity("10Gi");

  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = Patterns.DNS_SUBDOMAIN_MAX_LENGTH)
  @JsonPropertyDescription(
      "StorageClass of the volumes. Unset: the cluster's default class. Cannot be changed or removed once set.")
  private String storageClassName;

  public Quantity getCapacity() {
    return capacity;
  }

  public void setCapacity(Quantity capacity) {
    this.capacity = capacity;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    StorageSpec that = (StorageSpec) o;
    return Objects.equals(capacity, that.capacity) && Objects.equals(storageClassName, that.storageClassName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(capacity, storageClassName);
  }

  @Override
  public String toString() {
    return "StorageSpec{capacity=" + capacity + ", storageClassName=" + storageClassName + "}";
  }
}
