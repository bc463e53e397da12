package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.cairn.api.Patterns;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where member pods may run. Unset affinity and topology spread: the operator spreads members across
 * nodes (preferred pod anti-affinity on the member labels).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchedulingSpec {

  @JsonPropertyDescription("Affinity of member pods, as in a pod spec.")
  private Affinity affinity;

  @JsonPropertyDescription(
      "Topology spread constraints of member pods, as in a pod spec; use them to spread members across zones.")
  private List<TopologySpreadConstraint> topologySpreadConstraints;

  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = Patterns.DNS_SUBDOMAIN_MAX_LENGTH)
  @JsonPropertyDescription("PriorityClass of member pods; etcd usually deserves a high one.")
  private String priorityClassName;

  @JsonPropertyDescription("Tolerations of member pods, as in a pod spec.")
  private List<Toleration> tolerations;

  @JsonPropertyDescription("Node labels member pods require, as in a pod spec.")
  private Map<String, String> nodeSelector;

  public Affinity getAffinity() {
    return affinity;
  }

  public void setAffinity(Affinity affinity) {
    this.affinity = affinity;
  }

  public List<TopologySpreadConstraint> getTopologySpreadConstraints() {
    return topologySpreadConstraints;
  }

  public void setTopologySpreadConstraints(List<TopologySpreadConstraint> topologySpreadConstraints) {
    this.topologySpreadConstraints = topologySpreadConstraints;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    SchedulingSpec that = (SchedulingSpec) o;
    return Objects.equals(affinity, that.affinity) && Objects.equals(topologySpreadConstraints, that.topologySpreadConstraints) && Objects.equals(priorityClassName, that.priorityClassName) && Objects.equals(tolerations, that.tolerations) && Objects.equals(nodeSelector, that.nodeSelector);
  }

  @Override
  public int hashCode() {
    return Objects.hash(affinity, topologySpreadConstraints, priorityClassName, tolerations, nodeSelector);
  }

  @Override
  public String toString() {
    return "SchedulingSpec{affinity=" + affinity + ", topologySpreadConstraints=" + topologySpreadConstraints + ", priorityClassName=" + priorityClassName + ", tolerations=" + tolerations + ", nodeSelector=" + nodeSelector + "}";
  }
}
