#!/usr/bin/env bash
# Benchmark of the full snapshot path (docs/backups.md, "Benchmark"). Each round measures, one after
# the other on the same db, wall time and the CPU seconds of every process involved:
#   1. baseline: `etcdctl snapshot save` of the db to a local file;
#   2. cairn: `cairn snapshot --once full` to S3Proxy, uncompressed, in a JVM capped at -Xmx128m (the
#      agent's heap budget; JVM start included), with a GC log and the agent's own breakdown;
#   3. agent: the same snapshot taken by a running `cairn agent server` (-Xmx128m, started once before
#      the rounds), asked through POST /snapshot/full: what the agent does on its schedule, warm JVM;
#   4. overlap: the previous pipeline (upload beside the stream to a temporary, then a server-side
#      copy), forced with -Dcairn.full.upload=overlap, one-shot JVM like 2;
#   5. floors: a raw MinIO putObject of the same file (16 MiB parts, signed payload, timed inside its
#      JVM) and one unsigned PUT of it with curl: what uploads to this server cost.
# Rounds are interleaved so that load from other work on the machine hits all of them alike; medians
# are reported.
# Usage: hack/bench-snapshot.sh [DB_MIB]   (default 1100: at least 1 GiB of db)
#   BENCH_ROUNDS=3       rounds
#   BENCH_DB_DIR=DIR     keep the filled etcd data dir there and reuse it in later runs
#   BENCH_NO_BUILD=1     use the jars already built
#   BENCH_XMX=128m       heap cap of the cairn JVMs
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
s3url="http://127.0.0.1:23390"
store() { echo "s3://bench/$1?endpoint=$s3url&region=us-east-1"; }
xmx=${BENCH_XMX:-128m}
cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }  # user+system seconds so far
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
etcd_pid=${pids[0]}
s3_pid=${pids[1]}

# The agent server, started once: its first full snapshot (the store is empty) warms its JVM.
java -Xmx$xmx -Dlogback.configurationFile="$work/logback.xml" -Xlog:gc:file="$work/gc-agent.log" -jar "$work/cli/cairn.jar" agent server --listen 127.0.0.1:23391 \
  --endpoints $ep --store "$(store agent)" --scratch-dir "$work/scratch-agent" --compression none \
  --delta-period 0 --gc-policy none --full-schedule none >"$work/agent.out" 2>"$work/agent.err" &
pids+=($!)
agent_pid=$!
# (The logback configuration above shows the FullSnapshotter's line of each snapshot.)
for _ in $(seq 1 600); do grep -q "full snapshot .* bytes streamed" "$work/agent.err" 2>/dev/null && break; sleep 0.5; done
grep -q "full snapshot .* bytes streamed" "$work/agent.err" || { echo "the agent server took no full snapshot:"; tail -20 "$work/agent.err"; exit 1; }

# measure NAME CLIENT_CPU_SOURCE CMD...: appends "wall own etcd s3proxy" to $work/NAME.txt. The
# client's CPU comes from /usr/bin/time, or from the agent's /proc entry when CLIENT_CPU_SOURCE is
# "agent" (the command is then only curl asking the agent).
measure() {
  local name=$1 src=$2; shift 2
  sync
  local e0 s0 a0 t0 t1 own
  e0=$(cpu $etcd_pid); s0=$(cpu $s3_pid); a0=$(cpu $agent_pid)
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time.txt" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
    echo "$name failed:"; tail -20 "$work/$name.err"; exit 1; }
  t1=$(now)
  if [[ $src == agent ]]; then own=$(echo "$(cpu $agent_pid) - $a0" | bc); else own=$(awk '{print $1 + $2}' "$work/time.txt"); fi
  echo "$(echo "$t1 - $t0" | bc) $own $(echo "$(cpu $etcd_pid) - $e0" | bc) $(echo "$(cpu $s3_pid) - $s0" | bc)" >>"$work/$name.txt"
}
# One-shot `cairn snapshot --once full`: full.sh PREFIX [JVM options...]
cat >"$work/full.sh" <<EOF
#!/usr/bin/env bash
prefix=\$1; shift
exec java -Xmx$xmx -Dlogback.configurationFile=$work/logback.xml "\$@" -jar $work/cli/cairn.jar snapshot --endpoints $ep \\
  --store "s3://bench/\$prefix?endpoint=$s3url&region=us-east-1" --scratch-dir $work/scratch --compression none \\
  --delta-period 0 --gc-policy none --once full
EOF
chmod +x "$work/full.sh"
rm -f "$work"/*.txt
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the rounds" >&2
for r in $(seq 1 "$rounds"); do
  measure etcdctl own etcdctl --endpoints=$ep snapshot save "$work/baseline.db"
  measure cairn own "$work/full.sh" p -Xlog:gc:file="$work/gc-$r.log"
  grep -q '"kind" : "Full"' "$work/cairn.out" || { echo "cairn snapshot failed:"; tail -20 "$work/cairn.err"; exit 1; }
  stored=$(sed -nE 's/.*"size" : ([0-9]+).*/\1/p' "$work/cairn.out")
  sed -nE 's/.*streamed in ([0-9]+) ms, revision and store checked in ([0-9]+) ms, uploaded to its final name with its metadata in ([0-9]+) ms.*/\1 \3/p' \
    "$work/cairn.err" >>"$work/split.txt"
  # Heap in use before each collection (G1 lets it approach the cap) and after it (still live).
  grep -oE '[0-9]+M->[0-9]+M' "$work/gc-$r.log" | sed -E 's/M->.*//' | sort -n | tail -1 >>"$work/peak.txt"
  grep -oE '[0-9]+M->[0-9]+M' "$work/gc-$r.log" | sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1 >>"$work/live.txt"

  measure agent agent curl -sS -f -X POST http://127.0.0.1:23391/snapshot/full
  sed -nE 's/.*streamed in ([0-9]+) ms, revision and store checked in ([0-9]+) ms, uploaded to its final name with its metadata in ([0-9]+) ms.*/\1 \3/p' \
    "$work/agent.err" | tail -1 >>"$work/agentsplit.txt"

  measure overlap own "$work/full.sh" o -Dcairn.full.upload=overlap
  sed -nE 's/.*streamed in ([0-9]+) ms, upload done ([0-9]+) ms after the stream, published \(copy, metadata, cleanup\) in ([0-9]+) ms.*/\1 \2 \3/p' \
    "$work/overlap.err" >>"$work/overlapsplit.txt"

  if [[ -n "${BENCH_COMPARE_JAR:-}" ]]; then
    measure compare own java -Xmx$xmx -Dlogback.configurationFile="$work/logback.xml" -jar "$BENCH_COMPARE_JAR" snapshot \
      --endpoints $ep --store "$(store c)" --scratch-dir "$work/scratch" --compression none --delta-period 0 \
      --gc-policy none --once full
  fi

  measure raw own java -Xmx128m -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" dev.cairn.agent.bench.StoreBench \
    put $s3url bench "$work/baseline.db" 16
  # putObject's time inside its JVM replaces the wall time (without the JVM start).
  inside=$(awk '{print $(NF-5)}' "$work/raw.out")
  sed -i -E "\$s/^[^ ]+/$inside/" "$work/raw.txt"
  measure curl own curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T "$work/baseline.db" "$s3url/bench/curl-put"
  rm -f "$work/baseline.db"
  # Each round stores about four copies of the db; drop them (straight from S3Proxy's directory) so
  # that a run of many rounds does not fill the disk.
  rm -rf "$work/s3/bench/p" "$work/s3/bench/o" "$work/s3/bench/c" "$work/s3/bench/curl-put"
  find "$work/s3/bench/agent" -type f -name '*.db' -delete 2>/dev/null || true
  printf 'round %d: etcdctl %.2f s, cairn %.2f s, agent %.2f s, overlap %.2f s, raw putObject %.2f s, curl PUT %.2f s%s (load %s)\n' \
    "$r" "$(tail -1 "$work/etcdctl.txt" | cut -d' ' -f1)" "$(tail -1 "$work/cairn.txt" | cut -d' ' -f1)" \
    "$(tail -1 "$work/agent.txt" | cut -d' ' -f1)" "$(tail -1 "$work/overlap.txt" | cut -d' ' -f1)" \
    "$(tail -1 "$work/raw.txt" | cut -d' ' -f1)" "$(tail -1 "$work/curl.txt" | cut -d' ' -f1)" \
    "${BENCH_COMPARE_JAR:+, compared jar $(tail -1 "$work/compare.txt" | cut -d' ' -f1) s}" "$(cut -d' ' -f1 /proc/loadavg)" >&2
done

col() { awk -v c="$2" '{print $c}' "$work/$1.txt" | median; }
base=$(col etcdctl 1)
# row NAME LABEL: median wall time; its ratio to etcdctl's median, and the median of the per-round
# ratios (each round's contenders ran back to back, so a round's ratio shares that round's load);
# median CPU seconds.
row() {
  local per
  per=$(paste -d' ' "$work/etcdctl.txt" "$work/$1.txt" | awk '{print $5 / $1}' | median)
  printf '%-9s %-62s %6.2f s  %5.2fx (rounds %5.2fx)  cpu s: client %5.2f, etcd %5.2f, S3Proxy %5.2f\n' "$1" "$2" \
    "$(col "$1" 1)" "$(echo "$(col "$1" 1) / $base" | bc -l)" "$per" "$(col "$1" 2)" "$(col "$1" 3)" "$(col "$1" 4)"
}
printf 'db size   %s bytes (%s MiB), stored %s bytes; medians of %s rounds; %s cores\n' "$db" $((db / 1024 / 1024)) \
  "$stored" "$rounds" "$(nproc)"
row etcdctl "etcdctl snapshot save to a local file (baseline)"
row cairn "cairn snapshot --once full, -Xmx$xmx, JVM start included"
printf '          %-62s stream %.2f s, upload + metadata %.2f s\n' "" "$(awk '{print $1 / 1000}' "$work/split.txt" | median)" \
  "$(awk '{print $2 / 1000}' "$work/split.txt" | median)"
row agent "running agent server (-Xmx$xmx), POST /snapshot/full"
printf '          %-62s stream %.2f s, upload + metadata %.2f s\n' "" "$(awk '{print $1 / 1000}' "$work/agentsplit.txt" | median)" \
  "$(awk '{print $2 / 1000}' "$work/agentsplit.txt" | median)"
row overlap "previous pipeline (upload beside the stream, then copy), one-shot"
printf '          %-62s stream %.2f s, upload done +%.2f s, copy + metadata + cleanup %.2f s\n' "" \
  "$(awk '{print $1 / 1000}' "$work/overlapsplit.txt" | median)" "$(awk '{print $2 / 1000}' "$work/overlapsplit.txt" | median)" \
  "$(awk '{print $3 / 1000}' "$work/overlapsplit.txt" | median)"
[[ -n "${BENCH_COMPARE_JAR:-}" ]] && row compare "$BENCH_COMPARE_JAR"
row raw "raw MinIO putObject of the file, 16 MiB parts (JVM start excluded)"
row curl "one unsigned PUT of the file with curl"
printf 'heap      cairn: at most %s MiB in use before a collection, %s MiB after one; agent server: %s MiB, %s MiB (GC logs; cap -Xmx%s)\n' \
  "$(sort -n "$work/peak.txt" | tail -1)" "$(sort -n "$work/live.txt" | tail -1)" \
  "$(grep -oE '[0-9]+M->[0-9]+M' "$work/gc-agent.log" | sed -E 's/M->.*//' | sort -n | tail -1)" \
  "$(grep -oE '[0-9]+M->[0-9]+M' "$work/gc-agent.log" | sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1)" "$xmx"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
