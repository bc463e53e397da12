#!/usr/bin/env bash
# Benchmark of the full snapshot path (docs/backups.md, "Benchmark"). Each round measures, one after
# the other on the same db:
#   1. baseline: `etcdctl snapshot save` of the db to a local file;
#   2. cairn: `cairn snapshot --once full` to S3Proxy, uncompressed, in a JVM capped at -Xmx128m (the
#      agent's heap budget; JVM start included), with a GC log for the heap actually used, and the
#      agent's own breakdown (stream, upload after the stream, publish);
#   3. floor: a raw MinIO putObject of the same snapshot file to the same S3Proxy, in a JVM of its
#      own (time inside the JVM, so without its start): what any upload to this server costs.
# Rounds are interleaved so that load from other work on the machine hits all three alike; the
# medians are reported.
# Usage: hack/bench-snapshot.sh [DB_MIB]   (default 1100: at least 1 GiB of db)
#   BENCH_ROUNDS=3       rounds
#   BENCH_DB_DIR=DIR     keep the filled etcd data dir there and reuse it in later runs
#   BENCH_NO_BUILD=1     use the jars already built
#   BENCH_XMX=128m       heap cap of the cairn JVM
#   BENCH_COMPARE_JAR=J  also time this cairn.jar (e.g. built from an older commit) in every round
# Everything runs on loopback under a temporary directory that is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
db_mib=${1:-1100}
rounds=${BENCH_ROUNDS:-3}
work=$(mktemp -d /tmp/cairn-bench.XXXXXX)
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
# Quiet logs, except the full snapshot's own breakdown.
cat >"$work/logback.xml" <<'XML'
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %level %logger{20} %msg%n</pattern></encoder></appender>
<logger name="dev.cairn.agent.snapshot.FullSnapshotter" level="INFO"/>
<logger name="dev.cairn.agent.snapshot.SnapshotWriter" level="DEBUG"/>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
XML
cp="$work/test-classes:$work/main-classes:$(cat "$work/cp.txt")"

datadir=${BENCH_DB_DIR:-$work/etcd}
etcd --name bench --data-dir "$datadir" --quota-backend-bytes=$((8 * 1024 * 1024 * 1024)) \
  --listen-client-urls http://127.0.0.1:23379 --advertise-client-urls http://127.0.0.1:23379 \
  --listen-peer-urls http://127.0.0.1:23380 --initial-advertise-peer-urls http://127.0.0.1:23380 \
  --initial-cluster bench=http://127.0.0.1:23380 >"$work/etcd.log" 2>&1 &
pids+=($!)
ep=http://127.0.0.1:23379
for _ in $(seq 1 100); do etcdctl --endpoints=$ep endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
db_bytes() { etcdctl --endpoints=$ep endpoint status -w json | sed -E 's/.*"dbSize":([0-9]+).*/\1/'; }

if (($(db_bytes) < db_mib * 1024 * 1024)); then
  echo "filling etcd with ${db_mib} MiB of 1 MiB values ..." >&2
  head -c 786432 /dev/urandom | base64 -w0 >"$work/value"  # 1 MiB of text
  for i in $(seq 1 "$db_mib"); do etcdctl --endpoints=$ep put "bench/$i" <"$work/value" >/dev/null; done
fi
db=$(db_bytes)

java -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" dev.cairn.agent.bench.BenchS3Server "$work/s3" 23390 bench >"$work/s3.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do grep -q READY "$work/s3.log" && break; sleep 0.2; done

export AWS_ACCESS_KEY_ID=cairn-access AWS_SECRET_ACCESS_KEY=cairn-secret-12345
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
: >"$work/base.txt"; : >"$work/ours.txt"; : >"$work/raw.txt"; : >"$work/peak.txt"; : >"$work/live.txt"
: >"$work/split.txt"; : >"$work/compare.txt"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the rounds" >&2
for r in $(seq 1 "$rounds"); do
  sync
  t0=$(now)
  etcdctl --endpoints=$ep snapshot save "$work/baseline.db" >/dev/null 2>&1
  t1=$(now)
  echo "$t1 - $t0" | bc >>"$work/base.txt"
  sync

  t2=$(now)
  java -Xmx${BENCH_XMX:-128m} -Dlogback.configurationFile="$work/logback.xml" -Xlog:gc:file="$work/gc-$r.log" \
    -jar "$work/cli/cairn.jar" snapshot --endpoints $ep \
    --store "s3://bench/p?endpoint=http://127.0.0.1:23390&region=us-east-1" --scratch-dir "$work/scratch" \
    --compression none --delta-period 0 --gc-policy none --once full >"$work/cairn.out" 2>"$work/cairn.err" || true
  t3=$(now)
  grep -q '"kind" : "Full"' "$work/cairn.out" || { echo "cairn snapshot failed:"; tail -20 "$work/cairn.err"; exit 1; }
  cp "$work/cairn.err" "$work/cairn-$r.err"
  echo "$t3 - $t2" | bc >>"$work/ours.txt"
  stored=$(sed -nE 's/.*"size" : ([0-9]+).*/\1/p' "$work/cairn.out")
  # Heap in use before each collection (what the agent had allocated and not yet freed; G1 lets it
  # approach the cap) and after it (what was still live).
  grep -oE '[0-9]+M->[0-9]+M' "$work/gc-$r.log" | sed -E 's/M->.*//' | sort -n | tail -1 >>"$work/peak.txt"
  grep -oE '[0-9]+M->[0-9]+M' "$work/gc-$r.log" | sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1 >>"$work/live.txt"
  sed -nE 's/.*streamed in ([0-9]+) ms, upload done ([0-9]+) ms after the stream, published \(copy, metadata, cleanup\) in ([0-9]+) ms.*/\1 \2 \3/p' \
    "$work/cairn.err" >>"$work/split.txt"
  sync

  if [[ -n "${BENCH_COMPARE_JAR:-}" ]]; then
    t4=$(now)
    java -Xmx${BENCH_XMX:-128m} -Dlogback.configurationFile="$work/logback.xml" -jar "$BENCH_COMPARE_JAR" snapshot \
      --endpoints $ep --store "s3://bench/c?endpoint=http://127.0.0.1:23390&region=us-east-1" \
      --scratch-dir "$work/scratch" --compression none --delta-period 0 --gc-policy none --once full \
      >"$work/compare.out" 2>"$work/compare.err" || true
    t5=$(now)
    grep -q '"kind" : "Full"' "$work/compare.out" || { echo "$BENCH_COMPARE_JAR failed:"; tail -5 "$work/compare.err"; exit 1; }
    echo "$t5 - $t4" | bc >>"$work/compare.txt"
  fi

  java -Xmx128m -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" dev.cairn.agent.bench.StoreBench \
    put http://127.0.0.1:23390 bench "$work/baseline.db" 16 >"$work/raw.out"
  awk '{print $(NF-5)}' "$work/raw.out" >>"$work/raw.txt"
  rm -f "$work/baseline.db"
  printf 'round %d: etcdctl %.2f s, cairn %.2f s (stream %s ms, upload +%s ms, publish %s ms), raw putObject %.2f s%s\n' \
    "$r" "$(tail -1 "$work/base.txt")" "$(tail -1 "$work/ours.txt")" $(tail -1 "$work/split.txt") \
    "$(tail -1 "$work/raw.txt")" "${BENCH_COMPARE_JAR:+, compared jar $(tail -1 "$work/compare.txt") s}" >&2
done

base=$(median <"$work/base.txt")
ours=$(median <"$work/ours.txt")
raw=$(median <"$work/raw.txt")
peak=$(sort -n "$work/peak.txt" | tail -1)
live=$(sort -n "$work/live.txt" | tail -1)
split=("$(awk '{print $1}' "$work/split.txt" | median)" "$(awk '{print $2}' "$work/split.txt" | median)" \
  "$(awk '{print $3}' "$work/split.txt" | median)")
printf 'db size          %s bytes (%s MiB); medians of %s rounds\n' "$db" $((db / 1024 / 1024)) "$rounds"
printf 'baseline         etcdctl snapshot save to a local file: %.2f s\n' "$base"
printf 'cairn            full snapshot to S3Proxy, uncompressed, -Xmx%s: %.2f s (stored %s bytes; JVM start included)\n' \
  "${BENCH_XMX:-128m}" "$ours" "$stored"
printf '                 stream %.2f s, upload done %.2f s after the stream, copy + metadata + cleanup %.2f s\n' \
  "$(echo "${split[0]} / 1000" | bc -l)" "$(echo "${split[1]} / 1000" | bc -l)" "$(echo "${split[2]} / 1000" | bc -l)"
printf 'floor            raw MinIO putObject of the same file to S3Proxy (16 MiB parts, JVM start excluded): %.2f s\n' "$raw"
printf 'ratio            cairn / etcdctl %.2f (target <= 1.25); cairn / raw putObject %.2f\n' \
  "$(echo "$ours / $base" | bc -l)" "$(echo "$ours / $raw" | bc -l)"
if [[ -n "${BENCH_COMPARE_JAR:-}" ]]; then
  printf 'compared         %s, same run: %.2f s (ratio to etcdctl %.2f)\n' "$BENCH_COMPARE_JAR" \
    "$(median <"$work/compare.txt")" "$(echo "$(median <"$work/compare.txt") / $base" | bc -l)"
fi
printf 'agent heap       at most %s MiB in use before a collection, %s MiB after one (GC log; cap -Xmx%s)\n' \
  "${peak:-n/a}" "${live:-n/a}" "${BENCH_XMX:-128m}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
