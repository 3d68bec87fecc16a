#!/usr/bin/env bash
# Figures of the console's logs and stats views on the lab, through a real terminal
# (tmux): time from `l` to the first lines, bytes written while the logs view is open on
# a silent container, bytes per new log line, bytes per stats sample. A measurement, not
# a test: it prints figures and never fails on slow ones.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/console_views_figures.sh [seconds]
# FLEETDECK_BIN picks the binary (default: a release build of this tree).
set -euo pipefail
SECS="${1:-20}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
bench_needs tmux
H1="unix://$(sock "${HOSTS[0]}")"
WORK="$(mktemp -d)"
SOCK="fdtu-bench-$$"
QUIET="fdtu-bench-quiet-$$"
TICK="fdtu-bench-tick-$$"
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  "$DOCKER" -H "$H1" rm -f "$QUIET" "$TICK" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

BIN="${FLEETDECK_BIN:-}"
if [[ -z "$BIN" ]]; then
  cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
  BIN="$REPO/target/release/fleetdeck"
fi
bench_fleet_config "$WORK" 'refresh_secs = 60' >"$WORK/fleet.toml"
"$DOCKER" -H "$H1" run -d --name "$QUIET" "$IMAGE" sh -c 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done; exec sleep 3600' >/dev/null 2>&1
"$DOCKER" -H "$H1" run -d --name "$TICK" "$IMAGE" sh -c 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done' >/dev/null 2>&1

size() { stat -c %s "$WORK/tty.out"; }
screen() { tmux -L "$SOCK" capture-pane -p -t 0; }
keys() { tmux -L "$SOCK" send-keys -t 0 "$@"; }
tmux -L "$SOCK" -f /dev/null new-session -d -x 120 -y 40 "env -i PATH=$PATH HOME=$WORK TERM=screen-256color LANG=C.UTF-8 bash --norc --noprofile"
: >"$WORK/tty.out"
tmux -L "$SOCK" pipe-pane -o -t 0 "cat >> $WORK/tty.out"
sleep 0.5
keys "exec $BIN --config $WORK/fleet.toml" Enter
wait_for 60 "$TICK running on screen" pane_shows "$TICK running"
# Select a container through the filter.
select_ct() {
  keys Escape; sleep 0.3; keys / ; keys -l "$1"; keys Enter; keys G
  wait_for 10 "$1 selected" pane_shows "container  $1"
}

select_ct "$QUIET"
t0=$(now_ms); keys l
WAIT_STEP=0.01 wait_for 10 "the logs view showing line 199" pane_shows "line 199"
t1=$(now_ms)
sleep 2
b0=$(size); sleep "$SECS"; b1=$(size)
keys Escape; sleep 0.5

select_ct "$TICK"
keys l
wait_for 10 "the logs view following" pane_shows "FOLLOWING"
sleep 2
first=$(screen | grep -o 'tick [0-9]*' | tail -1 | cut -d' ' -f2)
b2=$(size); sleep "$SECS"; b3=$(size)
last=$(screen | grep -o 'tick [0-9]*' | tail -1 | cut -d' ' -f2)
keys Escape; sleep 0.5

keys s
wait_for 10 "the stats view" pane_shows "samples, one a second"
sleep 2
s0=$(screen | grep -o '[0-9]* samples' | cut -d' ' -f1)
b4=$(size); sleep "$SECS"; b5=$(size)
s1=$(screen | grep -o '[0-9]* samples' | cut -d' ' -f1)
keys Escape
lines=$((last - first))
samples=$((s1 - s0))
echo
echo "console views on the lab (120x40, Docker over SSH to h1)"
echo "| figure | value |"
echo "|---|---|"
echo "| \`l\` to the last of 200 lines on screen | $((t1 - t0)) ms |"
echo "| bytes written over ${SECS} s, logs view open on a silent container | $((b1 - b0)) |"
echo "| bytes per new log line (following, ${lines} lines in ${SECS} s) | $(((b3 - b2) / (lines > 0 ? lines : 1))) |"
echo "| bytes per stats sample (${samples} samples in ${SECS} s) | $(((b5 - b4) / (samples > 0 ? samples : 1))) |"
