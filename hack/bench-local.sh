#!/usr/bin/env bash
# Local-mode figures (docs/local-mode.md, "Figures"): runs the end-to-end recovery scenarios
# (operator/e2e QuorumRecoveryE2eIT) on a fresh local cluster ROUNDS times and reports, per figure,
# min / median / max over the rounds:
#   apply-to-3-of-3-ready                       Etcd created -> 3 members ready and voting
#   recover-quorum-survivor-to-3-of-3-ready     RecoverQuorum created (2 of 3 volumes lost) -> 3/3 ready
#   recover-quorum-survivor-acknowledged-writes-lost            (target 0)
#   recover-quorum-store-to-3-of-3-ready        RecoverQuorum created (every volume lost) -> 3/3 ready
#   recover-quorum-store-acknowledged-writes-lost-up-to-newest-delta   (target 0)
#   recover-quorum-store-acknowledged-writes-after-newest-delta        (may be lost: after the last backup)
#   recover-quorum-store-acknowledged-writes-lost-in-all
# A background client writes every 40 ms throughout; times are wall clock from the test's point of
# view (object created -> status observed), on whatever else the machine is running.
#   hack/bench-local.sh [ROUNDS]        (default 3)
# Env: MVN_OFFLINE (-o by default; set empty to allow downloads), BENCH_NO_BUILD=1 (use the cairn.jar
#      and module jars already built).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
rounds=${1:-3}
offline=${MVN_OFFLINE--o}
out=$(mktemp -d /tmp/cairn-bench-local.XXXXXX)
figures="$out/figures.txt"
trap 'rm -rf "$out"' EXIT

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
  ./mvnw -B -q $offline -pl operator/cli -am install -DskipTests
fi
failed=0
for r in $(seq 1 "$rounds"); do
  echo "round $r of $rounds ..." >&2
  start=$(date +%s)
  # Each round is a whole e2e run: the test stops every process it started and deletes its work
  # directory when it passed (a failed round keeps operator/e2e/target/e2e-work for a look).
  if ! ./mvnw -B -q $offline -pl operator/e2e verify -Dit.test=QuorumRecoveryE2eIT -Dtest=NoSuch \
      -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.e2e.figures="$figures" >"$out/round-$r.log" 2>&1; then
    failed=$((failed + 1))
    echo "round $r FAILED (its figures are kept up to the failure); Maven's output:" >&2
    grep -E "FAIL|ERROR|timed out" "$out/round-$r.log" | head -20 >&2 || true
  fi
  echo "round $r took $(( $(date +%s) - start )) s" >&2
done

echo
echo "figure  rounds  min  median  max  unit   (host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
sort -k1,1 -k2,2n "$figures" | awk '
  { name=$1; v[name, ++n[name]]=$2; unit[name]=$3; if (!(name in seen)) { seen[name]=1; order[++k]=name } }
  END {
    for (i = 1; i <= k; i++) {
      m = order[i]; c = n[m]
      med = (c % 2) ? v[m, (c + 1) / 2] : (v[m, c / 2] + v[m, c / 2 + 1]) / 2
      printf "%-66s %d  %.1f  %.1f  %.1f  %s\n", m, c, v[m, 1], med, v[m, c], unit[m]
    }
  }'
if [[ $failed -gt 0 ]]; then
  echo "$failed of $rounds rounds failed" >&2
  exit 1
fi
