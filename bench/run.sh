#!/usr/bin/env bash
# Every performance figure of fleetdeck in one run, each next to its alternative measured
# in the same run, as one table (README "Performance"). A benchmark, not a test: it
# prints figures and never fails because a machine is slow; it fails only when a step
# cannot measure (fleetdeck not seeing what it should, the lab not coming up).
#
#   bench/run.sh [--quick]
#
#   1. lab of 3 hosts: tree on 3 x 100 containers (bench/tree_vs_ssh.sh), check on 300
#      sites (bench/check_vs_checkip.sh), the console figures (bench/console_figures.sh),
#      sessions on the host behind the jump host vs OpenSSH (bench/session_vs_ssh.sh);
#   2. lab of 10 hosts: tree on 10 x 30, memory with 1,000 containers (bench/memory.sh);
#   3. the console at 1,000 nodes / 10,000 containers (cargo bench --bench frame: its
#      figures table, then criterion's frame and update).
#
# --quick: fewer runs, a 20 s idle window instead of a minute, and no criterion step.
# The lab is (re)built with tests/lab/lab.sh in ${FLEETDECK_LAB_DIR:-/tmp/fleetdeck-lab}
# (a lab already there is replaced) and torn down at the end. Run as root, like the tests.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_SH="$REPO/tests/lab/lab.sh"
QUICK=0
case "${1:-}" in
--quick) QUICK=1 ;;
"") ;;
*)
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
RUNS=$((QUICK ? 3 : 7))
IDLE=$((QUICK ? 20 : 60))
LAB_DIR="$(realpath -m -- "${FLEETDECK_LAB_DIR:-/tmp/fleetdeck-lab}")"
export FLEETDECK_LAB="$LAB_DIR/lab.json"
export FD_BENCH_ROWS
FD_BENCH_ROWS="$(mktemp)"
trap '"$LAB_SH" down >/dev/null 2>&1 || true; rm -f "$FD_BENCH_ROWS"' EXIT

say() { printf '\n==> [bench %ss] %s\n' "$SECONDS" "$*" >&2; }
lab_up() {
  say "lab of $1 hosts"
  "$LAB_SH" up --hosts "$1" >/dev/null
}

[[ "$(id -u)" == 0 ]] || { echo "run as root: the lab builds network namespaces, bridges and daemons" >&2; exit 2; }
say "Debian packages"
"$REPO/scripts/deps.sh" --bench
say "release build"
cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"

lab_up 3
say "tree, 3 hosts x 100 containers"
bash "$REPO/bench/tree_vs_ssh.sh" 100 "$RUNS"
say "check, 300 sites"
bash "$REPO/bench/check_vs_checkip.sh" 300 "$RUNS"
say "console figures (idle ${IDLE} s)"
bash "$REPO/bench/console_figures.sh" "$IDLE"
say "sessions: fleetdeck ssh vs ssh -J and ControlMaster"
bash "$REPO/bench/session_vs_ssh.sh" "$RUNS"

lab_up 10
say "tree, 10 hosts x 30 containers"
bash "$REPO/bench/tree_vs_ssh.sh" 30 "$RUNS"
say "memory, 10 hosts x 100 containers"
bash "$REPO/bench/memory.sh" 100
"$LAB_SH" down >/dev/null

if ((!QUICK)); then
  say "console at 1,000 nodes / 10,000 containers, and criterion's frame and update"
  out="$(cargo bench --quiet --manifest-path "$REPO/Cargo.toml" --bench frame 2>/dev/null)"
  echo "$out"
  # "name\n   time:   [low mid high]": the middle estimate, for each bench.
  echo "$out" | awk '
    /^[a-z]/ && !/time:/ { name = $0 }
    /time:/ {
      line = $0
      if (line !~ /^ /) { name = line; sub(/ +time:.*/, "", name) }
      sub(/.*\[/, "", line); split(line, v, " "); printf "%s|%s %s\n", name, v[3], v[4]
    }
  ' | while IFS='|' read -r name value; do
    target="< 5 ms"
    [[ "$name" == update* ]] && target="< 20 ms"
    printf '| criterion: %s | %s | | %s |\n' "$name" "$value" "$target" >>"$FD_BENCH_ROWS"
  done
fi

echo
echo "fleetdeck $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?'), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "| figure | fleetdeck | alternative, same run | target |"
echo "|---|---|---|---|"
cat "$FD_BENCH_ROWS"
