/**
 * The operator: the {@code Etcd} reconciler (StatefulSet, ConfigMap, Services, PDB, RBAC, Leases,
 * status and conditions), the {@code EtcdSnapshot} catalog kept from the backup store, and the
 * {@code EtcdOpsTask} state machines (quorum-loss recovery, on-demand snapshot, restore). Desired state
 * comes from pure builder functions; reconcilers are short lists of named steps.
 */
package dev.cairn.controller;
