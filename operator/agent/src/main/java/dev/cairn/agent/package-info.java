/**
 * The member agent that runs beside etcd in every member pod: the initialisation and validation flow
 * before etcd starts, restore from the backup store, full and delta snapshots with compression and
 * encryption, garbage collection, member and snapshot lease renewal, and a small HTTP API. It talks to
 * Kubernetes only through one narrow lease port, so its logic is tested with plain fakes.
 */
package dev.cairn.agent;
