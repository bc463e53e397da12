#!/usr/bin/env bash
# Brings the generated files under deploy/ up to date with their sources:
#   crds/*.yml             -> deploy/helm/cairn/crds/, deploy/kustomize/base/crds/
#   deploy/protection/*    -> deploy/helm/cairn/files/protection/, deploy/kustomize/base/protection/
#   deploy/helm/cairn      -> deploy/kustomize/base/operator.yaml (the chart with default values)
# Run it after changing the CRDs (hack/update-crds.sh), the protection policies or the chart, then
# commit deploy/: DeployDriftTest (operator/packaging) fails while any of these differs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The renderer is Java (Helm's engine through helm-java): compile the packaging tests, then run the
# sync with their class path. The cairn modules come from ~/.m2: install them first on a fresh
# checkout (./mvnw -B -q install -DskipTests). -o keeps it offline once the dependencies are there.
offline=()
if [[ "${CAIRN_SYNC_ONLINE:-}" != "1" ]]; then offline=(-o); fi
./mvnw -B -q "${offline[@]}" -pl operator/packaging test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/sync-classpath.txt -Dmdep.includeScope=test
cp="operator/packaging/target/test-classes:$(cat operator/packaging/target/sync-classpath.txt)"
java -cp "$cp" dev.cairn.packaging.DeployFiles
