#!/usr/bin/env bash
# Regenerates the CRDs from the classes in operator/api and copies them into crds/.
# Run it after changing anything in dev.cairn.api.v1alpha1, then commit crds/: the build's CrdDriftTest
# fails while crds/ differs from what the code generates.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# process-classes runs Fabric8's crd-generator-maven-plugin; tests are not needed (and the drift test
# would fail on exactly the difference this script fixes).
./mvnw -B -q -pl operator/api process-classes

generated="operator/api/target/classes/META-INF/fabric8"
shopt -s nullglob
files=("$generated"/*.yml)
if [ ${#files[@]} -eq 0 ]; then
  echo "no CRDs were generated in $generated" >&2
  exit 1
fi

mkdir -p crds
# Remove CRDs whose kind no longer exists, then copy the current set.
for existing in crds/*.yml; do
  if [ ! -e "$generated/$(basename "$existing")" ]; then
    echo "removing stale $existing"
    rm -- "$existing"
  fi
done
for file in "${files[@]}"; do
  cp -- "$file" crds/
  echo "updated crds/$(basename "$file")"
done
echo "Keep dev.cairn.api.CrdFiles.NAMES in sync with these file names."
