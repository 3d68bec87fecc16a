#!/usr/bin/env bash
# Prints how long `fleetdeck tree --json` takes on the lab with N containers per host,
# next to the shell ways of getting the same list: a sequential `ssh host docker ps`
# loop with fresh connections, and the same in parallel over already-open OpenSSH
# ControlMaster connections. A measurement, not a test: it never fails on slow figures.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/tree_vs_ssh.sh [containers-per-host] [runs]
#
# Needs the lab up (tests/lab/lab.sh up) and a release build (it builds one).
set -euo pipefail
PER_HOST="${1:-100}"
RUNS="${2:-5}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_JSON="${FLEETDECK_LAB:?set FLEETDECK_LAB to the lab.json of a running lab, see tests/lab/lab.sh up}"
command -v jq >/dev/null || { echo "jq is required (apt-get install jq)" >&2; exit 2; }

SSH_CONFIG="$(jq -r .ssh_config "$LAB_JSON")"
IMAGE="$(jq -r .image "$LAB_JSON")"
DOCKER="$(jq -r .docker_cli "$LAB_JSON")"
mapfile -t HOSTS < <(jq -r '.hosts[].name' "$LAB_JSON")
WORK="$(mktemp -d)"
cleanup() {
  for h in "${HOSTS[@]}"; do
    sock="$(jq -r --arg h "$h" '.hosts[] | select(.name==$h) | .docker_socket' "$LAB_JSON")"
    "$DOCKER" -H "unix://$sock" ps -aq --filter label=fdbench=1 | xargs -r "$DOCKER" -H "unix://$sock" rm -f >/dev/null
    ssh -F "$SSH_CONFIG" -S "$WORK/cm-$h" -O exit "$h" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building fleetdeck (release)..." >&2
cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
FLEETDECK="$REPO/target/release/fleetdeck"

echo "starting $PER_HOST containers on each of ${HOSTS[*]}..." >&2
{
  echo "[ssh]"
  echo "config = \"$SSH_CONFIG\""
  echo "[inventory]"
  echo "path = \"$WORK/inventory.db\""
} >"$WORK/fleet.toml"
for h in "${HOSTS[@]}"; do
  sock="$(jq -r --arg h "$h" '.hosts[] | select(.name==$h) | .docker_socket' "$LAB_JSON")"
  reachable="$(jq -r --arg h "$h" '.hosts[] | select(.name==$h) | .reachable_from_root' "$LAB_JSON")"
  { echo "[[node]]"; echo "name = \"$h\""; echo "ssh = \"$h\""; echo "docker_socket = \"$sock\""; } >>"$WORK/fleet.toml"
  [[ "$reachable" == true ]] || echo 'jump = "h1"' >>"$WORK/fleet.toml"
  seq 1 "$PER_HOST" | xargs -P 4 -I{} "$DOCKER" -H "unix://$sock" run -d --label fdbench=1 --name "fdbench-$h-{}" "$IMAGE" >/dev/null
done

ms_now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_runs() { # command... -> median wall time in ms over RUNS runs
  local i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    t0=$(ms_now); "$@" >/dev/null; t1=$(ms_now)
    echo $(((t1 - t0) / 1000000))
  done | median
}

check_count() {
  local n
  n="$("$FLEETDECK" --config "$WORK/fleet.toml" tree --json | jq '[.nodes[].containers[] | select(.name | startswith("fdbench-"))] | length')"
  [[ "$n" == "$((PER_HOST * ${#HOSTS[@]}))" ]] || { echo "fleetdeck saw $n bench containers, expected $((PER_HOST * ${#HOSTS[@]}))" >&2; exit 1; }
}
check_count

fleetdeck_tree() { HOME="$WORK" "$FLEETDECK" --config "$WORK/fleet.toml" tree --json; }
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

T_FD="$(time_runs fleetdeck_tree)"
T_SEQ="$(time_runs sequential_fresh)"
T_CM_COLD="$(time_runs masters_in_the_run)"
open_masters
T_CM="$(time_runs parallel_controlmaster)"
echo
echo "lab: ${#HOSTS[@]} hosts x $PER_HOST containers, median of $RUNS runs"
echo "| run | wall time |"
echo "|---|---|"
echo "| fleetdeck tree --json (fresh connections, every fact of every node) | ${T_FD} ms |"
echo "| for h in ...; do ssh \$h docker ps; done (fresh connections) | ${T_SEQ} ms |"
echo "| ssh \$h docker ps in parallel over ControlMaster, masters opened in the run | ${T_CM_COLD} ms |"
echo "| ssh \$h docker ps in parallel over ControlMaster connections already open | ${T_CM} ms |"
