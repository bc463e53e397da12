#!/usr/bin/env bash
# Operator benchmark: N Etcd resources (default 500) created at once against the CRUD mock API server
# (its own JVM), the operator in another JVM. Reports the time until every Etcd has all its resources
# and a status, the time until all report ready members once pods and agents appear, the operator's
# heap after GC, and the writes of a full resync afterwards (target: zero), periodic and after a restart.
#   hack/bench-operator.sh [ETCDS]
# Env: BENCH_HEAP (operator -Xmx, default 1g), MVN_OFFLINE (-o by default; set empty to allow downloads).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
etcds=${1:-500}
offline=${MVN_OFFLINE--o}
mod=operator/controller

./mvnw -B -q $offline -pl operator/api,operator/testkit install -DskipTests
./mvnw -B -q $offline -pl $mod test-compile
./mvnw -B -q $offline -pl $mod dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="$mod/target/test-classes:$mod/target/classes:$(cat $mod/target/bench.classpath)"

log=$(mktemp)
java -Xmx3g -cp "$cp" dev.cairn.controller.bench.BenchApiServer >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log" "$log.op"' EXIT
for _ in $(seq 1 100); do grep -q '^api=' "$log" && break; sleep 0.2; done
line=$(grep '^api=' "$log") || { echo "the mock API server did not start:"; cat "$log"; exit 1; }
api=${line#api=}; api=${api%% *}
control=${line##*control=}

echo "bench: $etcds Etcds, mock API server $api, operator heap limit ${BENCH_HEAP:-1g}, $(nproc) CPUs, $(java -version 2>&1 | head -1)"
java -Xmx"${BENCH_HEAP:-1g}" -cp "$cp" dev.cairn.controller.bench.OperatorBench \
  --api="$api" --control="$control" --etcds="$etcds" >"$log.op" 2>&1 || { echo "benchmark failed:"; grep -v ' INFO ' "$log.op" | tail -40; exit 1; }
grep -E '^(RESULT|created|operator started|pods)' "$log.op" 
