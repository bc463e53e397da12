package dev.cairn.local;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;

/** A StatefulSet whose pods each run one real etcd (a single-member cluster per pod) on the pod's address. */
final class EtcdStatefulSets {

  private EtcdStatefulSets() {}

  static String yaml(String namespace, String name, int replicas, String podManagementPolicy) {
    return """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: %2$s
          namespace: %1$s
        spec:
          replicas: %3$d
          serviceName: %2$s
          podManagementPolicy: %4$s
          selector:
            matchLabels: {app: %2$s}
          template:
            metadata:
              labels: {app: %2$s}
            spec:
              terminationGracePeriodSeconds: 10
              containers:
              - name: etcd
                image: quay.io/coreos/etcd:v3.4.23
                command: [etcd]
                args:
                - --name=$(POD_NAME)
                - --data-dir=/var/etcd/data
                - --listen-client-urls=http://$(POD_IP):2379
                - --advertise-client-urls=http://$(POD_IP):2379
                - --listen-peer-urls=http://$(POD_IP):2380
                - --initial-advertise-peer-urls=http://$(POD_IP):2380
                - --initial-cluster=$(POD_NAME)=http://$(POD_IP):2380
                env:
                - name: POD_NAME
                  valueFrom: {fieldRef: {fieldPath: metadata.name}}
                - name: POD_IP
                  valueFrom: {fieldRef: {fieldPath: status.podIP}}
                readinessProbe:
                  httpGet: {path: /health, port: 2379}
                  periodSeconds: 1
                  failureThreshold: 2
                volumeMounts:
                - name: data
                  mountPath: /var/etcd/data
          volumeClaimTemplates:
          - metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests: {storage: 1Gi}
        """.formatted(namespace, name, replicas, podManagementPolicy);
  }

  static StatefulSet of(String namespace, String name, int replicas, String podManagementPolicy) {
    return Serialization.unmarshal(yaml(namespace, name, replicas, podManagementPolicy), StatefulSet.class);
  }
}
