/**
 * The local cluster: the whole system on one machine with no Kubernetes cluster and no container
 * engine. An embedded API server (the Fabric8 mock server in CRUD mode with discovery for kubectl), an
 * embedded S3-compatible store, the operator, and a pod runner that plays kubelet and StatefulSet
 * controller by running each pod's containers as local processes on their own loopback address.
 */
package dev.cairn.local;
