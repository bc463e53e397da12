#!/usr/bin/env bash
# Benchmark of the restore path (docs/agent.md, "Restore benchmark"). One run:
#   1. fills a loopback etcd with BASE_MIB MiB of 1 MiB values and stores a full snapshot of it (local
#      store, uncompressed), then writes EVENTS delta events (85% puts of 100-300 B, 10% deletes, 5%
#      3-key transactions) and stores them as deltas;
#   2. measures the raw put rate of a fresh etcd on this disk, started with the temporary etcd's own
#      flags: one put at a time (the limit of an ordered replay) and 256 in flight (unordered);
#   3. restores the chain with the agent's ChainRestorer and reports base fetch, base restore,
#      delta replay and the apply rate; times etcdctl/etcdutl alone on the same full snapshot;
#   4. checks the restored keyspace (every key, value, create/mod revision, version) against the source.
# Usage: hack/bench-restore.sh [BASE_MIB] [EVENTS]   (defaults 1100 and 100000)
# Everything runs on loopback under a temporary directory that is removed at the end (BENCH_KEEP=1 keeps it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base_mib=${1:-1100}
events=${2:-100000}
work=$(mktemp -d /tmp/cairn-bench-restore.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
[[ -n "${BENCH_KEEP:-}" ]] && trap - EXIT

cd "$root"
./mvnw -B -q -o -pl operator/agent install -DskipTests >/dev/null
./mvnw -B -q -o -pl operator/agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
cat >"$work/logback.xml" <<'XML'
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %level %logger{20} %msg%n</pattern></encoder></appender>
<logger name="dev.cairn.agent.restore.ChainRestorer" level="INFO"/>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
XML
cp="operator/agent/target/test-classes:operator/agent/target/classes:$(cat "$work/cp.txt")"
mkdir -p "$work/run"
echo "base ${base_mib} MiB, ${events} delta events; work dir $work" >&2
java -Xmx512m -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" dev.cairn.agent.bench.RestoreBench \
  "$work/run" "$base_mib" "$events" 2>"$work/bench.err" | tee "$work/bench.out" | grep -v -E '^(RAW_|APPLY_RATE)'
grep -h "replayed" "$work/bench.err" | sed -E 's/^.*ChainRestorer //' >&2 || true
seq=$(sed -nE 's/^RAW_SEQUENTIAL ([0-9]+)/\1/p' "$work/bench.out")
pipe=$(sed -nE 's/^RAW_PIPELINED ([0-9]+)/\1/p' "$work/bench.out")
apply=$(sed -nE 's/^APPLY_RATE ([0-9]+)/\1/p' "$work/bench.out")
[[ -n "$apply" && -n "$seq" ]] || { echo "benchmark failed:"; tail -30 "$work/bench.err"; exit 1; }
printf 'ratio            apply rate / raw one-at-a-time put rate = %s%% (target >= 70%%); / 256-in-flight rate = %s%%\n' \
  "$((100 * apply / seq))" "$((100 * apply / pipe))"
