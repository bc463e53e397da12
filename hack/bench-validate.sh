#!/usr/bin/env bash
# Benchmark of the data-dir validation (docs/datadir.md, "Speed and memory").
# Builds a db of at least BENCH_DB_MIB MiB (default 1024) with real etcd once, under
# operator/datadir/target/bench/ (git-ignored, reused by later runs), then measures in ONE JVM
# capped at 64 MiB of heap: sequential read of the db (the physical limit, page cache warm), the
# full db check, the revision read, and a full validation of the data dir.
# Usage: hack/bench-validate.sh            (BENCH_DB_MIB=2048 hack/bench-validate.sh for a bigger db)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module="$root/operator/datadir"
bench="$module/target/bench"
mib=${BENCH_DB_MIB:-1024}
mkdir -p "$bench"
# jetcd logs every frame at DEBUG through logback; the load phase needs none of it.
cat > "$bench/logback.xml" <<'XML'
<configuration>
  <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder></appender>
  <root level="WARN"><appender-ref ref="ERR"/></root>
</configuration>
XML

cd "$root"
offline=-o
[[ "${BENCH_ONLINE:-}" == "1" ]] && offline=
./mvnw -B -q $offline -pl operator/datadir -am install -DskipTests
./mvnw -B -q $offline -pl operator/datadir dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$bench/classpath.txt"
cp="$module/target/classes:$module/target/test-classes:$(cat "$bench/classpath.txt")"

echo "== generating (or reusing) a db of >= $mib MiB with real etcd"
java -Dlogback.configurationFile="$bench/logback.xml" -cp "$cp" dev.cairn.datadir.ValidateBench generate "$bench/etcd" $((mib * 1024 * 1024))

echo "== measuring (java -Xmx64m, one JVM)"
java -Xmx64m -XX:+UseSerialGC -Dlogback.configurationFile="$bench/logback.xml" -cp "$cp" dev.cairn.datadir.ValidateBench measure "$bench/etcd/m0.etcd"
