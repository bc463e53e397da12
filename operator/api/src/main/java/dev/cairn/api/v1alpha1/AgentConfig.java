package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.Objects;

/**
 * The agent container that runs next to etcd in every member pod: it validates the data directory,
 * restores, takes snapshots and reports the member's health.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentConfig {

  @Size(max = 512)
  @JsonPropertyDescription("Container image of the cairn agent. Unset: the image matching the operator's version.")
  private String image;

  @Default("8080")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription(
      "Port of the agent's HTTP API (initialisation, snapshots, /healthz, /metrics). Must differ from the etcd"
          + " ports.")
  private Integer port = 8080;

  @JsonPropertyDescription(
      "CPU and memory for the agent. Snapshots stream in constant memory; delta snapshots buffer up to"
          + " backup.deltaSnapshotMemoryLimit.")
  private ResourceRequirements resources;

  @JsonPropertyDescription("TLS for the agent's HTTP API. Unset: plain HTTP inside the pod network.")
  private TlsConfig tls;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public TlsConfig getTls() {
    return tls;
  }

  public void setTls(TlsConfig tls) {
    this.tls = tls;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    AgentConfig that = (AgentConfig) o;
    return Objects.equals(image, that.image) && Objects.equals(port, that.port) && Objects.equals(resources, that.resources) && Objects.equals(tls, that.tls);
  }

  @Override
  public int hashCode() {
    return Objects.hash(image, port, resources, tls);
  }

  @Override
  public String toString() {
    return "AgentConfig{image=" + image + ", port=" + port + ", resources=" + resources + ", tls=" + tls + "}";
  }
}
