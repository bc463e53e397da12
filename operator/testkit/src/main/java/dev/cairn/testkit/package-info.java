/**
 * Test fixtures built from real parts, shared by every module's integration tests: etcd processes
 * on free loopback ports ({@link dev.cairn.testkit.EtcdCluster}), an embedded S3-compatible server
 * ({@link dev.cairn.testkit.S3Server}) and the Fabric8 mock API server in CRUD mode with cairn's CRDs
 * and a counter of write requests ({@link dev.cairn.testkit.ApiServer}). A missing prerequisite fails
 * with a message that says how to install it; nothing is skipped.
 */
package dev.cairn.testkit;
