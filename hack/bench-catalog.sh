#!/usr/bin/env bash
# Catalog benchmark (docs/operator.md, "Catalog benchmark"): N snapshots (default 20000: a full one
# every 10th, deltas between, object + metadata file each) of one Etcd in S3Proxy; the CRUD mock API
# server and S3Proxy each in a JVM of their own, the catalog reconcilers in a third JVM whose heap is
# capped (BENCH_HEAP, default 256m) and logged. Reports the first catalog build, full resyncs of the
# unchanged store (which must write nothing), a restart (informer relist + full resync), and the
# operator's heap: after GC at each point, and the peak after any GC from the GC log.
#   hack/bench-catalog.sh [SNAPSHOTS]
# Env: BENCH_HEAP (operator -Xmx), MVN_OFFLINE (-o by default; set empty to allow downloads),
#      BENCH_NO_BUILD=1 (use the classes already built).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
n=${1:-20000}
heap=${BENCH_HEAP:-256m}
offline=${MVN_OFFLINE--o}
mod=operator/controller
work=$(mktemp -d /tmp/cairn-bench-catalog.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
  ./mvnw -B -q $offline -pl operator/api,operator/testkit,operator/datadir,operator/agent install -DskipTests
  ./mvnw -B -q $offline -pl $mod test-compile
fi
./mvnw -B -q $offline -pl $mod dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt"
# Copies of the classes, so a build running beside the benchmark cannot change them under it.
cp -r $mod/target/classes "$work/classes"
cp -r $mod/target/test-classes "$work/test-classes"
cat >"$work/logback.xml" <<'XML'
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %level %logger{20} %msg%n</pattern></encoder></appender>
<logger name="dev.cairn.controller.catalog" level="INFO"/>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
XML
cp="$work/test-classes:$work/classes:$(cat "$work/cp.txt")"
jopts=(-Dlogback.configurationFile="$work/logback.xml")

java "${jopts[@]}" -Xmx3g -cp "$cp" dev.cairn.controller.bench.BenchApiServer >"$work/api.log" 2>&1 &
pids+=($!)
java "${jopts[@]}" -Xmx1g -cp "$cp" dev.cairn.controller.catalog.CatalogBenchStore "$work/s3" "$n" >"$work/s3.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^api=' "$work/api.log" && break; sleep 0.2; done
api=$(grep '^api=' "$work/api.log" | sed -E 's/^api=([^ ]+).*/\1/') || { echo "no API server:"; cat "$work/api.log"; exit 1; }
echo "bench: $n snapshots ($((2 * n)) objects) of one Etcd in S3Proxy; operator heap limit $heap; $(nproc) CPUs;" \
  "$(java -version 2>&1 | head -1)"
for _ in $(seq 1 3000); do grep -q '^s3=' "$work/s3.log" && break; sleep 0.2; done
grep -q '^s3=' "$work/s3.log" || { echo "the store did not fill:"; tail "$work/s3.log"; exit 1; }
grep 'stored .* in ' "$work/s3.log" | tail -1
line=$(grep '^s3=' "$work/s3.log")
s3=$(echo "$line" | sed -E 's/^s3=([^ ]+).*/\1/')
bucket=${line##*bucket=}

java "${jopts[@]}" -Xmx"$heap" -Xlog:gc:file="$work/gc.log" -cp "$cp" dev.cairn.controller.catalog.CatalogBench \
  "$api" "$s3" "$bucket" "$n" >"$work/bench.log" 2>&1 || { cat "$work/bench.log"; exit 1; }
grep RESULT "$work/bench.log" | sed 's/^RESULT //'
# Peak heap after a collection, from lines such as "... Pause Young (Normal) (G1 Evacuation Pause) 80M->12M(256M) 3.1ms".
peak=$(grep -oE '[0-9]+M->[0-9]+M' "$work/gc.log" | sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1)
before=$(grep -oE '[0-9]+M->[0-9]+M' "$work/gc.log" | sed -E 's/([0-9]+)M->.*/\1/' | sort -n | tail -1)
echo "heap peak after GC ${peak} MiB, largest heap before a GC ${before} MiB (limit $heap; from the GC log)"
