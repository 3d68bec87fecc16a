#!/usr/bin/env bash
# Console figures on the lab, through a real terminal (tmux): time to first frame, CPU
# and bytes written to the terminal over an idle minute (refresh every 2 s), and bytes
# written when one container changes state, next to a full redraw of the same screen
# (ctrl-l). The fleet holds FILL running containers per host besides the one that
# changes, so the tree fills the screen as it does on any real fleet (0: a near-empty
# screen, where the status bar and details pane are most of a redraw). A measurement,
# not a test: it prints figures and never fails on slow ones.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/console_figures.sh [idle-seconds] [FILL]
set -euo pipefail
IDLE="${1:-60}"
FILL="${2:-20}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
bench_needs tmux
H1_SOCK="$(sock "${HOSTS[0]}")"
WORK="$(mktemp -d)"
SOCK="fdbench-$$"
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  "$DOCKER" -H "unix://$H1_SOCK" rm -f fdbench-console >/dev/null 2>&1 || true
  for h in "${HOSTS[@]}"; do
    dk "$h" ps -aq --filter label=fdbench-fill=1 | xargs -r "$DOCKER" -H "unix://$(sock "$h")" rm -f >/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

bench_build
bench_fleet_config "$WORK" 'refresh_secs = 2' >"$WORK/fleet.toml"
"$DOCKER" -H "unix://$H1_SOCK" run -d --name fdbench-console "$IMAGE" >/dev/null
# Named to sort after fdbench-console, which stays in sight at the top of h1.
for h in "${HOSTS[@]}"; do
  seq 1 "$FILL" | xargs -r -P 4 -I{} "$DOCKER" -H "unix://$(sock "$h")" run -d --label fdbench-fill=1 --name "fdbench-fill-$h-{}" "$IMAGE" >/dev/null
done

size() { stat -c %s "$WORK/tty.out"; }
tmux -L "$SOCK" -f /dev/null new-session -d -x 120 -y 40 "env -i PATH=$PATH HOME=$WORK TERM=screen-256color LANG=C.UTF-8 bash --norc --noprofile"
: >"$WORK/tty.out"
tmux -L "$SOCK" pipe-pane -o -t 0 "cat >> $WORK/tty.out"
sleep 0.5
base=$(size)
t0=$(now_ms)
tmux -L "$SOCK" send-keys -t 0 "exec $REPO/target/release/fleetdeck --config $WORK/fleet.toml" Enter
# First frame: the alternate screen and the tree's border arrive.
WAIT_STEP=0.005 wait_for 10 "the first frame" grep -q "Fleet" "$WORK/tty.out"
t1=$(now_ms)
# Let every node answer and the screen settle.
wait_for 60 "fdbench-console shown running" pane_shows "fdbench-console running"
sleep 5
PID="$(tmux -L "$SOCK" display-message -p -t 0 '#{pane_pid}')"
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
full_frame=$(($(size) - base))
c0=$(ticks); b0=$(size)
sleep "$IDLE"
c1=$(ticks); b1=$(size)
hz=$(getconf CLK_TCK)
cpu_pct=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v s="$IDLE" 'BEGIN { printf "%.2f", 100 * t / hz / s }')
b2=$(size)
"$DOCKER" -H "unix://$H1_SOCK" stop -t 1 fdbench-console >/dev/null
wait_for 30 "fdbench-console shown exited" pane_shows "fdbench-console exited"
sleep 3
b3=$(size)
# A full redraw of this screen: ctrl-l makes the console write every cell again.
tmux -L "$SOCK" send-keys -t 0 C-l
sleep 1
b4=$(size)
redraw=$((b4 - b3))
echo
echo "console on the lab (120x40, refresh 2 s, $(jq '.hosts | length' "$LAB_JSON") hosts, $FILL more containers on each)"
echo "| figure | value |"
echo "|---|---|"
echo "| time to first frame (command sent to first frame on the terminal) | $((t1 - t0)) ms |"
echo "| CPU over an idle ${IDLE} s | ${cpu_pct} % of one core |"
echo "| bytes written to the terminal over the idle ${IDLE} s | $((b1 - b0)) |"
echo "| bytes written when one container stops | $((b3 - b2)) |"
echo "| a full redraw of the same screen (ctrl-l), for comparison | ${redraw} |"
echo "| everything written up to the settled first screen | ${full_frame} |"
hosts="$(jq '.hosts | length' "$LAB_JSON") hosts"
bench_row "console: time to first frame ($hosts)" "$((t1 - t0)) ms" "" "< 100 ms"
bench_row "console: CPU over an idle ${IDLE} s, refresh 2 s ($hosts)" "${cpu_pct} % of one core" "" "< 1 %"
bench_row "console: bytes written in an idle ${IDLE} s" "$((b1 - b0))" "" "0"
bench_row "console: bytes written when one container stops ($hosts, $FILL more containers each)" "$((b3 - b2))" "full redraw (ctrl-l): ${redraw} bytes, so $(awk -v a=$((b3 - b2)) -v b="$redraw" 'BEGIN { printf "%.1f", 100 * a / b }') %" "< 5 % of a full redraw"
