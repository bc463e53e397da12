#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then builds every module and runs
# unit tests (*Test), integration tests with real etcd / S3Proxy / mock API server (*IT) and the
# CRD drift check. Extra arguments go to Maven (e.g. hack/test.sh -pl operator/datadir -am).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
hack/install-prereqs.sh
exec ./mvnw -B -ntp verify "$@"
