package dev.cairn.local;

import java.util.List;
import java.util.Optional;

/** One resource kind as the discovery endpoints describe it to kubectl, with its table columns. */
record ApiResource(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    List<String> subresources,
    List<Tables.Column> printerColumns) {

  ApiResource(String group, String version, String plural, String singular, String kind, boolean namespaced,
      List<String> shortNames, List<String> subresources) {
    this(group, version, plural, singular, kind, namespaced, shortNames, subresources, List.of());
  }

  /** An object's subresource path, {@code <object path>/<subresource>}. */
  record SubresourcePath(ApiResource resource, String namespace, String name, String subresource, String objectPath) {}

  /** The object and subresource a path such as {@code /api/v1/namespaces/x/pods/p/log} addresses. */
  static Optional<SubresourcePath> forSubresourcePath(List<ApiResource> resources, String path) {
    int q = path.indexOf('?');
    String bare = q < 0 ? path : path.substring(0, q);
    for (ApiResource r : resources) {
      String base = r.basePath() + "/";
      if (!bare.startsWith(base)) {
        continue;
      }
      String[] seg = bare.substring(base.length()).split("/");
      if (r.namespaced() && seg.length == 5 && seg[0].equals("namespaces") && seg[2].equals(r.plural())) {
        return Optional.of(new SubresourcePath(r, seg[1], seg[3], seg[4],
            base + "namespaces/" + seg[1] + "/" + r.plural() + "/" + seg[3]));
      }
      if (!r.namespaced() && seg.length == 3 && seg[0].equals(r.plural())) {
        return Optional.of(new SubresourcePath(r, null, seg[1], seg[2], base + r.plural() + "/" + seg[1]));
      }
    }
    return Optional.empty();
  }

  /**
   * The kind a collection or object path addresses ({@code .../pods}, {@code .../namespaces/x/pods/y}),
   * or empty for other paths (subresources, discovery, unknown kinds).
   */
  static Optional<ApiResource> forObjectPath(List<ApiResource> resources, String path) {
    int q = path.indexOf('?');
    String bare = q < 0 ? path : path.substring(0, q);
    for (ApiResource r : resources) {
      String base = r.basePath() + "/";
      if (!bare.startsWith(base)) {
        continue;
      }
      String[] seg = bare.substring(base.length()).split("/");
      if (seg.length >= 3 && seg[0].equals("namespaces") && r.namespaced() && seg[2].equals(r.plural()) && seg.length <= 4) {
        return Optional.of(r);
      }
      if (seg.length <= 2 && seg[0].equals(r.plural())) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a path goes below an object's subresource ({@code .../pods/p/proxy/healthz}): nothing
   * here serves those, and the CRUD store would answer them with every object it holds.
   */
  static boolean belowSubresource(List<ApiResource> resources, String path) {
    int q = path.indexOf('?');
    String bare = q < 0 ? path : path.substring(0, q);
    for (ApiResource r : resources) {
      String base = r.basePath() + "/";
      if (!bare.startsWith(base)) {
        continue;
      }
      String[] seg = bare.substring(base.length()).split("/");
      if (r.namespaced() && seg.length > 5 && seg[0].equals("namespaces") && seg[2].equals(r.plural())) {
        return true;
      }
      if (!r.namespaced() && seg.length > 3 && seg[0].equals(r.plural())) {
        return true;
      }
    }
    return false;
  }

  static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** Path prefix of the group-version, {@code /api/v1} or {@code /apis/<group>/<version>}. */
  String basePath() {
    return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }

  /** Path of one named object, as an OpenAPI path template. */
  String itemPath() {
    return basePath() + (namespaced ? "/namespaces/{namespace}/" : "/") + plural + "/{name}";
  }

  /** The built-in kinds cairn creates or reads; enough for kubectl get/describe/apply/delete on them. */
  static List<ApiResource> builtIns() {
    return List.of(
        core("namespaces", "namespace", "Namespace", false, List.of("ns"), List.of("status")),
        core("nodes", "node", "Node", false, List.of("no"), List.of("status")),
        core("pods", "pod", "Pod", true, List.of("po"), List.of("status", "log")),
        core("services", "service", "Service", true, List.of("svc"), List.of("status")),
        core("configmaps", "configmap", "ConfigMap", true, List.of("cm"), List.of()),
        core("secrets", "secret", "Secret", true, List.of(), List.of()),
        core("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, List.of("pvc"), List.of("status")),
        core("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), List.of()),
        core("events", "event", "Event", true, List.of("ev"), List.of()),
        core("endpoints", "endpoints", "Endpoints", true, List.of("ep"), List.of()),
        new ApiResource("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, List.of("sts"), List.of("status", "scale")),
        new ApiResource("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, List.of("pdb"), List.of("status")),
        new ApiResource("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, List.of(), List.of()),
        new ApiResource("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, List.of(), List.of()),
        new ApiResource("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, List.of(), List.of()),
        new ApiResource("events.k8s.io", "v1", "events", "event", "Event", true, List.of("ev"), List.of()),
        new ApiResource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, List.of("crd", "crds"), List.of("status")));
  }

  private static ApiResource core(
      String plural, String singular, String kind, boolean namespaced, List<String> shortNames, List<String> sub) {
    return new ApiResource("", "v1", plural, singular, kind, namespaced, shortNames, sub);
  }
}
