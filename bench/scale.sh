#!/usr/bin/env bash
# The scale figures (README "A thousand hosts"), side by side in one run on a scale lab of
# N ssh-only hosts (tests/lab/scale.sh, tag x, 10.80.0.0/16), which it brings up and
# takes down:
#   - a fresh `fleetdeck tree --json --no-master` vs an OpenSSH fan-out
#     (`xargs -P 64 ssh HOST <the same reads>`): wall, client CPU, hosts' CPU;
#   - `tree` through a running master (answered from what it holds) and `tree --fresh`;
#   - the hosts' CPU per host per refresh while the master polls every refresh_secs, read
#     from the cpuacct cgroup every lab sshd and session runs in (exited sessions
#     included), and for reference the machine's CPU minus the master's (/proc/stat),
#     which other work on the machine inflates.
# A measurement, not a test: it fails only when fleetdeck does not see every host up.
#
#   bench/scale.sh [N=200] [WATCH_SECS=30] [RUNS=5]     (root; builds a release binary)
set -euo pipefail
N="${1:-200}"
WATCH="${2:-30}"
RUNS="${3:-5}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE_SH="$REPO/tests/lab/scale.sh"
TAG=x
DIR="/tmp/fleetdeck-scale-$TAG"
# FLEETDECK_BIN: another build to measure (the hosts' figures do not depend on it).
FLEETDECK="${FLEETDECK_BIN:-$REPO/target/release/fleetdeck}"
FACTS='hostname; uname -srm; cat /proc/uptime /proc/loadavg /etc/os-release; ip -j -d link show; ip -j addr show; ss -H -tln'
command -v jq >/dev/null || { echo "jq is required (apt-get install jq)" >&2; exit 2; }

WORK="$(mktemp -d)"
MASTER_PID=
cleanup() {
  [[ -z "$MASTER_PID" ]] || kill "$MASTER_PID" 2>/dev/null || true
  timeout 120 "$SCALE_SH" down --tag "$TAG" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -z "${FLEETDECK_BIN:-}" ]]; then
  echo "building fleetdeck (release)..." >&2
  timeout 3000 cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
fi
t0=$(date +%s%N)
timeout 600 "$SCALE_SH" up "$N" --tag "$TAG" --net 10.80 2>"$WORK/up.log" ||
  { cat "$WORK/up.log" >&2; exit 1; }
UP_MS=$((($(date +%s%N) - t0) / 1000000))
CONFIG="$DIR/config.toml"
CG="$(jq -r .cgroup "$DIR/scale.json")"
REFRESH="$(sed -n 's/^refresh_secs = //p' "$CONFIG")"
mapfile -t HOSTS < <(jq -r '.hosts[].name' "$DIR/scale.json")

fd() { HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR= timeout 300 "$FLEETDECK" --config "$CONFIG" "$@"; }
hosts_cpu_ns() { cat "$CG/cpuacct.usage" 2>/dev/null || echo 0; }
# One process's CPU (user + system) in clock ticks.
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The machine's busy ticks (all but idle and iowait).
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
TICK=$(getconf CLK_TCK)

# measure NAME COMMAND...: runs it once; sets WALL_MS, CLIENT_MS (user + sys of it and its
# children) and HOST_US_PER_HOST (the lab's cgroup CPU in the meantime, per host).
measure() {
  local before after times
  before=$(hosts_cpu_ns)
  times="$WORK/times"
  TIMEFORMAT='%R %U %S'
  { time "$@" >"$WORK/out" 2>"$WORK/err"; } 2>"$times"
  after=$(hosts_cpu_ns)
  read -r wall user sys <"$times"
  WALL_MS=$(awk -v w="$wall" 'BEGIN{printf "%d", w * 1000}')
  CLIENT_MS=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%d", (u + s) * 1000}')
  HOST_US_PER_HOST=$(((after - before) / 1000 / N))
}

all_up() {
  local up
  up="$(jq '[.nodes[] | select(.status == "up")] | length' "$WORK/out")"
  [[ "$up" == "$N" ]] || { echo "fleetdeck saw $up of $N hosts up" >&2; head -c 2000 "$WORK/out" >&2; exit 1; }
}

fanout() {
  printf '%s\n' "${HOSTS[@]}" |
    xargs -P 64 -I{} timeout 60 ssh -F "$DIR/ssh_config" {} "$FACTS"
}

echo "fresh tree, $N hosts..." >&2
measure fd tree --json --no-master
all_up
TREE=("$WALL_MS" "$CLIENT_MS" "$HOST_US_PER_HOST")

echo "OpenSSH fan-out -P 64..." >&2
measure fanout
answered=$(grep -c '^PRETTY_NAME' "$WORK/out" || true)
FAN=("$WALL_MS" "$CLIENT_MS" "$HOST_US_PER_HOST")

echo "master: warm-up..." >&2
HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR= timeout 1800 "$FLEETDECK" --config "$CONFIG" master \
  >"$WORK/master.out" 2>"$WORK/master.err" &
TIMEOUT_PID=$!
for _ in $(seq 1 100); do
  MASTER_PID="$(pgrep -P "$TIMEOUT_PID" | head -1)" && [[ -n "$MASTER_PID" ]] && break
  sleep 0.05
done
[[ -n "$MASTER_PID" ]] || { echo "the master did not start" >&2; exit 1; }
for _ in $(seq 1 1200); do
  grep -q "serving on" "$WORK/master.err" && break
  kill -0 "$MASTER_PID" 2>/dev/null || { cat "$WORK/master.err" >&2; exit 1; }
  sleep 0.1
done
grep -q "serving on" "$WORK/master.err" || { echo "the master never served" >&2; exit 1; }

through=()
for ((i = 0; i < RUNS; i++)); do
  measure fd tree --json
  all_up
  through+=("$WALL_MS")
done
THROUGH_MS=$(printf '%s\n' "${through[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
# The round trip alone (the client logs it), without this process's start and printing.
ROUND_MS=$(grep -o 'took_ms=[0-9]*' "$WORK/state/fleetdeck/fleetdeck.log" | tail -n "$RUNS" |
  cut -d= -f2 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
measure fd tree --json --fresh
all_up
FRESH=("$WALL_MS" "$HOST_US_PER_HOST")

echo "hosts' CPU while the master polls every ${REFRESH}s, for ${WATCH}s..." >&2
cg0=$(hosts_cpu_ns)
m0=$(proc_ticks "$MASTER_PID")
k0=$(machine_ticks)
sleep "$WATCH"
cg1=$(hosts_cpu_ns)
m1=$(proc_ticks "$MASTER_PID")
k1=$(machine_ticks)
rounds=$(awk -v w="$WATCH" -v r="$REFRESH" 'BEGIN{print w / r}')
PER_HOST_MS=$(awk -v d="$((cg1 - cg0))" -v n="$N" -v r="$rounds" 'BEGIN{printf "%.2f", d / 1e6 / n / r}')
MACHINE_MS=$(awk -v k="$((k1 - k0))" -v m="$((m1 - m0))" -v t="$TICK" -v n="$N" -v r="$rounds" \
  'BEGIN{printf "%.2f", (k - m) * 1000 / t / n / r}')
MASTER_PCT=$(awk -v m="$((m1 - m0))" -v t="$TICK" -v w="$WATCH" 'BEGIN{printf "%.1f", m * 100 / t / w}')
MASTER_RSS=$(awk '/VmRSS/{print int($2 / 1024)}' "/proc/$MASTER_PID/status")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.2f", a / b }'; }
cat <<EOF

fleetdeck: $FLEETDECK
scale lab: $N hosts (ssh only, one network namespace and sshd each), up in ${UP_MS} ms
| figure | fleetdeck | OpenSSH fan-out -P 64 | ratio |
|---|---|---|---|
| fresh tree, wall | ${TREE[0]} ms | ${FAN[0]} ms ($answered/$N answered) | $(ratio "${TREE[0]}" "${FAN[0]}") |
| fresh tree, client CPU | ${TREE[1]} ms | ${FAN[1]} ms | $(ratio "${TREE[1]}" "${FAN[1]}") |
| fresh tree, hosts' CPU per host | $((TREE[2] / 1000)).$(printf '%03d' $((TREE[2] % 1000))) ms | $((FAN[2] / 1000)).$(printf '%03d' $((FAN[2] % 1000))) ms | $(ratio "${TREE[2]}" "${FAN[2]}") |

| figure | value |
|---|---|
| tree through the master (median of $RUNS), whole command | ${THROUGH_MS} ms |
| same, the request to the master and its answer alone | ${ROUND_MS:-?} ms |
| tree --fresh through the master | ${FRESH[0]} ms |
| hosts' CPU per host per refresh while the master polls (cgroup) | ${PER_HOST_MS} ms |
| same, machine CPU minus the master's (/proc/stat; other work inflates it) | ${MACHINE_MS} ms |
| the master itself while polling (refresh ${REFRESH}s) | ${MASTER_PCT} % of a core, RSS ${MASTER_RSS} MiB |
EOF
