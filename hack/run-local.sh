#!/usr/bin/env bash
# The whole of cairn on this machine, with no Kubernetes cluster and no container engine:
# an API server (kubectl works against it), an S3-compatible store, the operator, and a pod runner
# that runs each member pod's containers as local processes on their own loopback address.
# Then applies deploy/samples/etcd-local.yaml (3 members with backups). Ctrl-C stops everything;
# running it again with the same work directory (default .work/local) resumes the same cluster.
# Extra arguments go to `cairn local up` (see hack/cairn local up --help).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
hack/install-prereqs.sh
exec hack/cairn local up --apply deploy/samples/etcd-local.yaml "$@"
