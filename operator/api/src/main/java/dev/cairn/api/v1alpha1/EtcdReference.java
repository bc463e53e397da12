package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A reference to an Etcd in any namespace (used by cluster-scoped objects). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdReference {

  @Required
  @Pattern(Patterns.DNS_LABEL)
  @Size(max = 63)
  @JsonPropertyDescription("Namespace of the Etcd.")
  private String namespace;

  @Required
  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = Patterns.DNS_SUBDOMAIN_MAX_LENGTH)
  @JsonPropertyDescription("Name of the Etcd.")
  private String name;

  public EtcdReference() {}

  public EtcdReference(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdReference that = (EtcdReference) o;
    return Objects.equals(namespace, that.namespace) && Objects.equals(name, that.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(namespace, name);
  }

  @Override
  public String toString() {
    return "EtcdReference{namespace=" + namespace + ", name=" + name + "}";
  }
}
