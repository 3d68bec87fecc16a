#!/usr/bin/env bash
# The console on a scale lab (README "A thousand hosts"), beside bench/scale.sh: a scale
# lab of N ssh-only hosts (tests/lab/scale.sh, its own tag and /16, brought up and always
# taken down), then
#   - a fresh `fleetdeck tree --json --no-master` (wall), for comparison;
#   - cold start of the console, in a real terminal (tmux, 120x40): the command sent to
#     the status bar counting every host up ("N up");
#   - the console's own CPU (user + system of its process, /proc/PID/stat) over an idle
#     IDLE seconds while it keeps watching every host (refresh_secs of the lab's config).
# A measurement, not a test: it fails only when the console never shows every host up.
# On a machine shared with other work, keep N small (the hosts share its cores).
#
#   bench/console_scale.sh [N=50] [IDLE=30] [TAG=c] [NET=10.84]   (root; release binary)
set -euo pipefail
N="${1:-50}"
IDLE="${2:-30}"
TAG="${3:-c}"
NET="${4:-10.84}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE_SH="$REPO/tests/lab/scale.sh"
DIR="/tmp/fleetdeck-scale-$TAG"
FLEETDECK="${FLEETDECK_BIN:-$REPO/target/release/fleetdeck}"
for c in jq tmux; do
  command -v "$c" >/dev/null || { echo "$c is required (apt-get install $c)" >&2; exit 2; }
done

WORK="$(mktemp -d)"
SOCK="fdconsole-scale-$$"
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  timeout 120 "$SCALE_SH" down --tag "$TAG" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -z "${FLEETDECK_BIN:-}" ]]; then
  echo "building fleetdeck (release)..." >&2
  timeout 3000 cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
fi
timeout 600 "$SCALE_SH" up "$N" --tag "$TAG" --net "$NET" 2>"$WORK/up.log" ||
  { cat "$WORK/up.log" >&2; exit 1; }
CONFIG="$DIR/config.toml"
REFRESH="$(sed -n 's/^refresh_secs = //p' "$CONFIG")"
ENVS=(HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR= TERM=screen-256color LANG=C.UTF-8)

now_ms() { echo $(($(date +%s%N) / 1000000)); }

echo "fresh tree, $N hosts..." >&2
t0=$(now_ms)
env "${ENVS[@]}" timeout 300 "$FLEETDECK" --config "$CONFIG" tree --json --no-master >"$WORK/tree.json"
TREE_MS=$(($(now_ms) - t0))
up="$(jq '[.nodes[] | select(.status == "up")] | length' "$WORK/tree.json")"
[[ "$up" == "$N" ]] || { echo "tree saw $up of $N hosts up" >&2; exit 1; }

echo "console, cold start..." >&2
tmux -L "$SOCK" -f /dev/null new-session -d -x 120 -y 40 \
  "env -i PATH=$PATH ${ENVS[*]} bash --norc --noprofile"
sleep 0.5
shows() { tmux -L "$SOCK" capture-pane -p -t 0 | grep -q "$1"; }
t0=$(now_ms)
tmux -L "$SOCK" send-keys -t 0 "exec timeout 900 $FLEETDECK --config $CONFIG" Enter
deadline=$((SECONDS + 120))
until shows " $N up"; do
  ((SECONDS < deadline)) || {
    tmux -L "$SOCK" capture-pane -p -t 0 >&2
    echo "the console never showed $N up" >&2
    exit 1
  }
  sleep 0.02
done
COLD_MS=$(($(now_ms) - t0))

# The console's process: the pane runs `timeout`, whose child is fleetdeck.
PANE="$(tmux -L "$SOCK" display-message -p -t 0 '#{pane_pid}')"
PID="$(pgrep -P "$PANE" -x fleetdeck || true)"
[[ -n "$PID" ]] || PID="$PANE"
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
sleep 5
c0=$(ticks)
sleep "$IDLE"
c1=$(ticks)
HZ=$(getconf CLK_TCK)
CPU=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v s="$IDLE" 'BEGIN { printf "%.2f", 100 * t / hz / s }')
RSS=$(awk '/VmRSS/{printf "%.1f", $2 / 1024}' "/proc/$PID/status")
shows " $N up" || echo "note: not every host up at the end of the idle time" >&2

cat <<EOF

console on a scale lab: $N hosts (ssh only), refresh ${REFRESH}s, 120x40 in tmux
| figure | value | target |
|---|---|---|
| fresh \`tree --json --no-master\`, wall | ${TREE_MS} ms | |
| console cold start to every host up on screen | ${COLD_MS} ms | <= the fresh tree |
| console's own CPU while idle, over ${IDLE} s | ${CPU} % of one core | < 2 % |
| console's RSS after that | ${RSS} MiB | |
EOF
