#!/usr/bin/env bash
# Prints how long `fleetdeck tree --json` takes on the lab with N running containers per
# host, next to the shell ways of getting the same list, all measured in this run:
#   - fleetdeck with fresh connections, and through `fleetdeck master` (connections
#     already open, every fact polled afresh for each answer);
#   - a sequential `for h in ...; do ssh $h docker ps; done` with fresh connections;
#   - `ssh $h docker ps` in parallel over OpenSSH ControlMaster connections, opened in
#     the run, and already open.
# A measurement, not a test: it never fails on slow figures, only when fleetdeck does not
# see the containers.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/tree_vs_ssh.sh [containers-per-host] [runs]
#
# Needs the lab up (tests/lab/lab.sh up [--hosts N]), jq, and a release build (it builds
# one). With FD_BENCH_ROWS=FILE it also appends its figures to FILE for bench/run.sh.
set -euo pipefail
PER_HOST="${1:-100}"
RUNS="${2:-5}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
bench_needs jq

WORK="$(mktemp -d)"
cleanup() {
  fd master --stop >/dev/null 2>&1 || true
  for h in "${HOSTS[@]}"; do
    dk "$h" ps -aq --filter label=fdbench=1 | xargs -r "$DOCKER" -H "unix://$(sock "$h")" rm -f >/dev/null
    ssh -F "$SSH_CONFIG" -S "$WORK/cm-$h" -O exit "$h" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

bench_build
bench_fleet_config "$WORK" >"$WORK/fleet.toml"
echo "starting $PER_HOST containers on each of ${HOSTS[*]}..." >&2
for h in "${HOSTS[@]}"; do
  seq 1 "$PER_HOST" | xargs -P 4 -I{} "$DOCKER" -H "unix://$(sock "$h")" run -d --label fdbench=1 --name "fdbench-$h-{}" "$IMAGE" >/dev/null
done

want=$((PER_HOST * ${#HOSTS[@]}))
check_count() {
  local n
  n="$(fd tree --json "$@" | jq '[.nodes[].containers[] | select(.name | startswith("fdbench-"))] | length')"
  [[ "$n" == "$want" ]] || { echo "fleetdeck saw $n bench containers, expected $want" >&2; exit 1; }
}
check_count --no-master

fleetdeck_fresh() { fd tree --json --no-master; }
fleetdeck_master() { fd tree --json; }
sequential_fresh() { for h in "${HOSTS[@]}"; do ssh -F "$SSH_CONFIG" "$h" docker ps; done; }
parallel_controlmaster() {
  for h in "${HOSTS[@]}"; do ssh -F "$SSH_CONFIG" -S "$WORK/cm-$h" "$h" docker ps & done
  wait
}
open_masters() {
  for h in "${HOSTS[@]}"; do
    ssh -F "$SSH_CONFIG" -o ControlMaster=yes -o ControlPersist=600 -S "$WORK/cm-$h" -fN "$h"
  done
}
close_masters() {
  for h in "${HOSTS[@]}"; do ssh -F "$SSH_CONFIG" -S "$WORK/cm-$h" -O exit "$h" >/dev/null 2>&1 || true; done
}
masters_in_the_run() {
  open_masters
  parallel_controlmaster
  close_masters
}

T_FD="$(time_runs "$RUNS" fleetdeck_fresh)"
T_SEQ="$(time_runs "$RUNS" sequential_fresh)"
T_CM_COLD="$(time_runs "$RUNS" masters_in_the_run)"
open_masters
T_CM="$(time_runs "$RUNS" parallel_controlmaster)"
fd master 2>"$WORK/master.err" &
wait_for 30 "the master serving" grep -q "serving on" "$WORK/master.err"
check_count
T_MASTER="$(time_runs "$RUNS" fleetdeck_master)"
fd master --stop >/dev/null
close_masters

size="${#HOSTS[@]} hosts x $PER_HOST"
echo
echo "lab: $size running containers, median of $RUNS runs"
echo "| run | wall time |"
echo "|---|---|"
echo "| fleetdeck tree --json, fresh connections (every fact of every node) | ${T_FD} ms |"
echo "| fleetdeck tree --json through fleetdeck master (connections already open) | ${T_MASTER} ms |"
echo "| for h in ...; do ssh \$h docker ps; done (fresh connections) | ${T_SEQ} ms |"
echo "| ssh \$h docker ps in parallel over ControlMaster, masters opened in the run | ${T_CM_COLD} ms |"
echo "| ssh \$h docker ps in parallel over ControlMaster connections already open | ${T_CM} ms |"
bench_row "tree --json, $size, fresh connections" "${T_FD} ms" "ssh loop ${T_SEQ} ms; ControlMaster opened in the run ${T_CM_COLD} ms" "faster than both"
bench_row "tree --json, $size, through fleetdeck master" "${T_MASTER} ms" "ControlMaster already open ${T_CM} ms" "faster"
