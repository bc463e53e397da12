package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A reference to an Etcd in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalEtcdReference {

  @Required
  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = Patterns.DNS_SUBDOMAIN_MAX_LENGTH)
  @JsonPropertyDescription("Name of the Etcd, in the task's namespace.")
  private String name;

  public LocalEtcdReference() {}

  public LocalEtcdReference(String name) {
    this.name = name;
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
    LocalEtcdReference that = (LocalEtcdReference) o;
    return Objects.equals(name, that.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name);
  }

  @Override
  public String toString() {
    return "LocalEtcdReference{name=" + name + "}";
  }
}
