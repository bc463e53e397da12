/**
 * The cairn.dev/v1alpha1 API: the {@code Etcd}, {@code EtcdSnapshot} and {@code EtcdOpsTask} custom
 * resource classes, and the annotation, label and condition names every other module shares. The CRDs
 * in {@code crds/} are generated from these classes by Fabric8's CRD generator; Javadoc on a field
 * becomes its description in the schema.
 */
package dev.cairn.api;
