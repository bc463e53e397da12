/**
 * The cairn.dev/v1alpha1 custom resources: {@link dev.cairn.api.v1alpha1.Etcd} (namespaced, an etcd
 * cluster), {@link dev.cairn.api.v1alpha1.EtcdSnapshot} (cluster-scoped, one catalogued snapshot) and
 * {@link dev.cairn.api.v1alpha1.EtcdOpsTask} (namespaced, an out-of-band operation). Java field
 * initialisers carry the same defaults as the schema's {@code default}s, so objects read from an API
 * server that does not default (the test mock server) behave like objects read from a real one.
 */
package dev.cairn.api.v1alpha1;
