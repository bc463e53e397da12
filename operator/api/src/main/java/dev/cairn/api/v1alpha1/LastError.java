package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** An error the operator met while reconciling, kept until the next successful pass. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LastError {

  @JsonPropertyDescription("Stable error code, CamelCase, such as SpecInvalid or RollingUpdateBlocked.")
  private String code;

  @JsonPropertyDescription("What went wrong, with the values involved, and what to do about it.")
  private String description;

  @JsonPropertyDescription("When the error was observed (RFC 3339).")
  private String observedAt;

  public String getCode() {
    return code;
  }

  public void setCode(String code) {
    this.code = code;
  }

  public String getDescription() {
    return description;
  }

  public void setDescription(String description) {
    this.description = description;
  }

  public String getObservedAt() {
    return observedAt;
  }

  public void setObservedAt(String observedAt) {
    this.observedAt = observedAt;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    LastError that = (LastError) o;
    return Objects.equals(code, that.code) && Objects.equals(description, that.description) && Objects.equals(observedAt, that.observedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(code, description, observedAt);
  }

  @Override
  public String toString() {
    return "LastError{code=" + code + ", description=" + description + ", observedAt=" + observedAt + "}";
  }
}
