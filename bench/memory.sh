#!/usr/bin/env bash
# Resident memory of the console holding the whole fleet: N containers on every lab host
# (1,000 across 10 hosts with `tests/lab/lab.sh up --hosts 10` and the default 100), in
# a real terminal (tmux, 160x48, refresh every 2 s). Also the memory of `fleetdeck
# master` serving the same fleet. A measurement, not a test: it prints figures and fails
# only when the console never shows every container.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/memory.sh [containers-per-host]
#
# Most containers are created and not started (a running one costs the lab a shim
# process, and fleetdeck holds a container the same way in any state); 5 per host run.
set -euo pipefail
PER_HOST="${1:-100}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
bench_needs tmux

WORK="$(mktemp -d)"
SOCK="fdbench-mem-$$"
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  fd master --stop >/dev/null 2>&1 || true
  for h in "${HOSTS[@]}"; do
    dk "$h" ps -aq --filter label=fdbench=1 | xargs -r "$DOCKER" -H "unix://$(sock "$h")" rm -f >/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

bench_build
bench_fleet_config "$WORK" 'refresh_secs = 2' >"$WORK/fleet.toml"
TOTAL=$((PER_HOST * ${#HOSTS[@]}))
echo "creating $PER_HOST containers on each of ${#HOSTS[@]} hosts ($TOTAL)..." >&2
for h in "${HOSTS[@]}"; do
  seq 1 "$PER_HOST" | xargs -P 8 -I{} "$DOCKER" -H "unix://$(sock "$h")" create --label fdbench=1 --name "fdbench-mem-$h-{}" "$IMAGE" >/dev/null
  seq 1 5 | xargs -I{} "$DOCKER" -H "unix://$(sock "$h")" start "fdbench-mem-$h-{}" >/dev/null
done
seen="$(fd tree --json --no-master | jq '[.nodes[].containers[]] | length')"
echo "tree --json sees $seen containers" >&2

# proc_kb PID FIELD: VmRSS or VmHWM in KiB
proc_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

tmux -L "$SOCK" -f /dev/null new-session -d -x 160 -y 48 "env -i PATH=$PATH HOME=$WORK XDG_STATE_HOME=$WORK/state TERM=screen-256color LANG=C.UTF-8 $FLEETDECK --config $WORK/fleet.toml"
PID="$(tmux -L "$SOCK" display-message -p -t 0 '#{pane_pid}')"
want_nodes="${#HOSTS[@]} up 0 down"
deadline=$((SECONDS + 180))
until tmux -L "$SOCK" capture-pane -p -t 0 | grep -q "$want_nodes .*/$seen running"; do
  ((SECONDS < deadline)) || {
    tmux -L "$SOCK" capture-pane -p -t 0 | tail -2 >&2
    echo "the console never showed all $seen containers on ${#HOSTS[@]} nodes" >&2
    exit 1
  }
  sleep 0.5
done
# A few refresh rounds, then walk the whole tree once (every row gets drawn).
sleep 6
tmux -L "$SOCK" send-keys -t 0 G
sleep 1
tmux -L "$SOCK" send-keys -t 0 g
sleep 4
RSS="$(proc_kb "$PID" VmRSS)"
HWM="$(proc_kb "$PID" VmHWM)"
tmux -L "$SOCK" send-keys -t 0 q

fd master 2>"$WORK/master.err" &
wait_for 30 "the master serving" grep -q "serving on" "$WORK/master.err"
# `fd` runs in a background subshell: the master is its child.
MPID="$(pgrep -n -f "$WORK/fleet.toml master")"
for _ in 1 2 3; do fd tree --json >/dev/null; done
M_RSS="$(proc_kb "$MPID" VmRSS)"
M_HWM="$(proc_kb "$MPID" VmHWM)"
fd master --stop >/dev/null

echo
echo "memory with $seen containers across ${#HOSTS[@]} nodes"
echo "| process | resident now | peak |"
echo "|---|---|---|"
echo "| console (160x48, after every row was drawn) | $(mib "$RSS") | $(mib "$HWM") |"
echo "| fleetdeck master (after 3 tree requests) | $(mib "$M_RSS") | $(mib "$M_HWM") |"
bench_row "console resident memory, $seen containers on ${#HOSTS[@]} nodes" "$(mib "$RSS") (peak $(mib "$HWM"))" "master: $(mib "$M_RSS")" "< 60 MB"
