#!/usr/bin/env bash
# What every bench script shares: the lab's facts, a release build, a fleet config over
# the lab, timing, and the rows bench/run.sh gathers into one table. Sourced, not run.

LAB_JSON="${FLEETDECK_LAB:?set FLEETDECK_LAB to the lab.json of a running lab, see tests/lab/lab.sh up}"

bench_needs() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "$c is required (apt-get install $c)" >&2; exit 2; }
  done
}
bench_needs jq

SSH_CONFIG="$(jq -r .ssh_config "$LAB_JSON")"
IMAGE="$(jq -r .image "$LAB_JSON")"
DOCKER="$(jq -r .docker_cli "$LAB_JSON")"
mapfile -t HOSTS < <(jq -r '.hosts[].name' "$LAB_JSON")

sock() { jq -r --arg h "$1" '.hosts[] | select(.name==$h) | .docker_socket' "$LAB_JSON"; }
dk() {
  local h="$1"
  shift
  "$DOCKER" -H "unix://$(sock "$h")" "$@"
}

FLEETDECK="$REPO/target/release/fleetdeck"
# fd ARGS...: that fleetdeck with its home, state and config in the caller's $WORK, and no
# runtime dir, so it never finds a master the user runs.
fd() { HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR= "$FLEETDECK" --config "$WORK/fleet.toml" "$@"; }

bench_build() {
  echo "building fleetdeck (release)..." >&2
  cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
}

# bench_fleet_config WORKDIR [top-level lines]: a fleetdeck config over every lab host
# (Docker through SSH, hosts not reachable from here behind h1), inventory in WORKDIR.
bench_fleet_config() {
  local work="$1"
  shift
  printf '%s\n' "$@"
  echo '[ssh]'
  echo "config = \"$SSH_CONFIG\""
  echo '[inventory]'
  echo "path = \"$work/inventory.db\""
  jq -r '.hosts[] | "[[node]]\nname = \"\(.name)\"\nssh = \"\(.name)\"\ndocker_socket = \"\(.docker_socket)\"" + (if .reachable_from_root then "" else "\njump = \"h1\"" end)' "$LAB_JSON"
}

ns_now() { date +%s%N; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_runs RUNS command... -> median wall time in ms
time_runs() {
  local runs="$1" i t0 t1
  shift
  for ((i = 0; i < runs; i++)); do
    t0=$(ns_now)
    "$@" >/dev/null
    t1=$(ns_now)
    echo $(((t1 - t0) / 1000000))
  done | median
}

# wait_for SECONDS WHAT COMMAND...: run COMMAND every WAIT_STEP seconds (default 0.05)
# until it succeeds. After SECONDS, say what never happened and stop the bench rather
# than hang on it.
wait_for() {
  local limit="$1" what="$2" deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "bench: $what did not happen within $limit s" >&2; exit 1; }
    sleep "${WAIT_STEP:-0.05}"
  done
}

# pane_shows TEXT: the caller's tmux server ($SOCK) shows TEXT on its screen.
pane_shows() { tmux -L "$SOCK" capture-pane -p -t 0 | grep -q "$1"; }

# bench_row FIGURE VALUE COMPARED TARGET: one line of bench/run.sh's table.
bench_row() {
  [[ -n "${FD_BENCH_ROWS:-}" ]] || return 0
  printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" >>"$FD_BENCH_ROWS"
}
