#!/usr/bin/env bash
# Benchmark of the full snapshot path (docs/backups.md, "Benchmark"): one run measures
#   1. the baseline: `etcdctl snapshot save` of the db to a local file, and
#   2. `cairn snapshot --once full` of the same db to S3Proxy, uncompressed, in a JVM capped at
#      -Xmx128m (the agent's heap budget), with a GC log to report the heap actually used.
# Usage: hack/bench-snapshot.sh [DB_MIB]   (default 1100: at least 1 GiB of db)
# Everything runs on loopback under a temporary directory that is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
db_mib=${1:-1100}
work=$(mktemp -d /tmp/cairn-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
[[ -n "${BENCH_KEEP:-}" ]] && trap - EXIT
export ETCDCTL_API=3

cd "$root"
./mvnw -B -q -o -pl operator/agent install -DskipTests >/dev/null
./mvnw -B -q -o -pl operator/cli install -DskipTests >/dev/null
./mvnw -B -q -o -pl operator/agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
# Quiet logs: S3Proxy and the CLI log at DEBUG by default, which would slow both down.
cat >"$work/logback.xml" <<'XML'
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %level %logger{20} %msg%n</pattern></encoder></appender>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
XML
cp="operator/agent/target/test-classes:operator/agent/target/classes:$(cat "$work/cp.txt")"

etcd --name bench --data-dir "$work/etcd" --quota-backend-bytes=$((8 * 1024 * 1024 * 1024)) \
  --listen-client-urls http://127.0.0.1:23379 --advertise-client-urls http://127.0.0.1:23379 \
  --listen-peer-urls http://127.0.0.1:23380 --initial-advertise-peer-urls http://127.0.0.1:23380 \
  --initial-cluster bench=http://127.0.0.1:23380 >"$work/etcd.log" 2>&1 &
pids+=($!)
ep=http://127.0.0.1:23379
for _ in $(seq 1 100); do etcdctl --endpoints=$ep endpoint health >/dev/null 2>&1 && break; sleep 0.2; done

echo "filling etcd with ${db_mib} MiB of 1 MiB values ..." >&2
head -c 786432 /dev/urandom | base64 -w0 >"$work/value"  # 1 MiB of text
for i in $(seq 1 "$db_mib"); do etcdctl --endpoints=$ep put "bench/$i" <"$work/value" >/dev/null; done
db_bytes=$(etcdctl --endpoints=$ep endpoint status -w json | sed -E 's/.*"dbSize":([0-9]+).*/\1/')

java -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" dev.cairn.agent.bench.BenchS3Server "$work/s3" 23390 bench >"$work/s3.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do grep -q READY "$work/s3.log" && break; sleep 0.2; done

sync
t0=$(date +%s.%N)
etcdctl --endpoints=$ep snapshot save "$work/baseline.db" >/dev/null
t1=$(date +%s.%N)
rm -f "$work/baseline.db"
sync

export AWS_ACCESS_KEY_ID=cairn-access AWS_SECRET_ACCESS_KEY=cairn-secret-12345
t2=$(date +%s.%N)
java -Xmx128m -Dlogback.configurationFile="$work/logback.xml" -Xlog:gc:file="$work/gc.log" -jar operator/cli/target/cairn.jar snapshot --endpoints $ep \
  --store "s3://bench/p?endpoint=http://127.0.0.1:23390&region=us-east-1" --scratch-dir "$work/scratch" \
  --compression none --delta-period 0 --once full >"$work/cairn.out" 2>"$work/cairn.err"
t3=$(date +%s.%N)
grep -q '"kind" : "Full"' "$work/cairn.out" || { echo "cairn snapshot failed:"; tail -20 "$work/cairn.err"; exit 1; }
stored=$(sed -nE 's/.*"size" : ([0-9]+).*/\1/p' "$work/cairn.out")
# The heap in use just before each collection is the peak the agent reached.
peak=$(grep -oE '[0-9]+M->[0-9]+M' "$work/gc.log" | sed -E 's/M->.*//' | sort -n | tail -1)

base=$(echo "$t1 - $t0" | bc)
ours=$(echo "$t3 - $t2" | bc)
ratio=$(echo "scale=2; $ours / $base" | bc)
printf 'db size          %s bytes (%s MiB)\n' "$db_bytes" $((db_bytes / 1024 / 1024))
printf 'baseline         etcdctl snapshot save to a local file: %.2f s\n' "$base"
printf 'cairn            full snapshot to S3Proxy, uncompressed, -Xmx128m: %.2f s (stored %s bytes; JVM start included)\n' "$ours" "$stored"
printf 'ratio            %s (target <= 1.25)\n' "$ratio"
printf 'agent heap peak  %s MiB (from the GC log; cap 128 MiB)\n' "${peak:-n/a}"
