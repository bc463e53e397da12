#!/usr/bin/env bash
# Benchmark of delta capture (docs/backups.md, "Benchmark"): a writer puts 1 KiB values into a
# loopback etcd at a target rate for a fixed time while `cairn snapshot` (continuous mode, the
# agent's engine) stores deltas to S3Proxy; then every stored delta is read back.
# Reports the rate reached, the lag from commit to the delta being listed in the store, and whether
# every acknowledged put is stored exactly once.
# Usage: hack/bench-delta.sh [RATE] [SECONDS] [PERIOD_SECONDS] [BATCH]   (default 10000 60 5 1)
#   BATCH: puts per request; 1 sends each put alone, N > 1 sends transactions of N puts (one revision
#   each), which is how a writer gets 10,000 puts/s through etcd on a small machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rate=${1:-10000}
seconds=${2:-60}
period=${3:-5}
batch=${4:-1}
work=$(mktemp -d /tmp/cairn-bench-delta.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
[[ -n "${BENCH_KEEP:-}" ]] && trap - EXIT
export ETCDCTL_API=3

cd "$root"
if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
  ./mvnw -B -q -o -pl operator/agent install -DskipTests >/dev/null
  ./mvnw -B -q -o -pl operator/cli install -DskipTests >/dev/null
fi
./mvnw -B -q -o -pl operator/agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
# Copies of the classes, so a build running beside the benchmark cannot change them under it.
cp -r operator/agent/target/classes "$work/main-classes"
cp -r operator/agent/target/test-classes "$work/test-classes"
cp -r operator/cli/target "$work/cli"
cat >"$work/logback.xml" <<'XML'
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %level %logger{20} %msg%n</pattern></encoder></appender>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
XML
cp="$work/test-classes:$work/main-classes:$(cat "$work/cp.txt")"

etcd --name bench --data-dir "$work/etcd" --quota-backend-bytes=$((8 * 1024 * 1024 * 1024)) \
  --listen-client-urls http://127.0.0.1:23479 --advertise-client-urls http://127.0.0.1:23479 \
  --listen-peer-urls http://127.0.0.1:23480 --initial-advertise-peer-urls http://127.0.0.1:23480 \
  --initial-cluster bench=http://127.0.0.1:23480 >"$work/etcd.log" 2>&1 &
pids+=($!)
ep=http://127.0.0.1:23479
for _ in $(seq 1 100); do etcdctl --endpoints=$ep endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
etcdctl --endpoints=$ep put bench/start 1 >/dev/null

java -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" dev.cairn.agent.bench.BenchS3Server "$work/s3" 23490 bench >"$work/s3.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do grep -q READY "$work/s3.log" && break; sleep 0.2; done

export AWS_ACCESS_KEY_ID=cairn-access AWS_SECRET_ACCESS_KEY=cairn-secret-12345
store="s3://bench/delta?endpoint=http://127.0.0.1:23490&region=us-east-1"
# The agent's engine, continuous: a full snapshot at start (empty store), then a delta every period.
# The heartbeat (when a due cut is noticed) is 1 s instead of 5 s so that the period dominates.
CAIRN_LOG_FORMAT=text java -Xmx512m -jar "$work/cli/cairn.jar" snapshot --endpoints $ep --store "$store" \
  --scratch-dir "$work/scratch" --full-schedule none --gc-policy none --compression none \
  --delta-period "${period}s" --heartbeat 1s >"$work/agent.out" 2>"$work/agent.err" &
pids+=($!)
for _ in $(seq 1 300); do grep -q "full snapshot .* stored" "$work/agent.err" && break; sleep 0.2; done
grep -q "full snapshot .* stored" "$work/agent.err" || { echo "the agent took no full snapshot:"; tail -20 "$work/agent.err"; exit 1; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" >&2
cpu() { awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$1/stat"; }  # user+system seconds so far
before=("$(cpu "${pids[0]}")" "$(cpu "${pids[1]}")" "$(cpu "${pids[2]}")")
java -Xmx1g -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" dev.cairn.agent.bench.DeltaBench \
  $ep "$store" "$rate" "$seconds" "$period" "$batch" && status=0 || status=$?
printf 'cpu seconds   during the run: etcd %.1f, S3Proxy %.1f, agent %.1f (writer: see above)\n' \
  "$(echo "$(cpu "${pids[0]}") - ${before[0]}" | bc)" "$(echo "$(cpu "${pids[1]}") - ${before[1]}" | bc)" \
  "$(echo "$(cpu "${pids[2]}") - ${before[2]}" | bc)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exit $status
