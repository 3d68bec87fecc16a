#!/usr/bin/env bash
# Prints how long `fleetdeck tree --json` takes on the lab swarm (tests/lab/swarm.sh: 3
# nodes) with N services, next to what an admin runs by hand for the same picture:
# `docker service ls` then `docker service ps` per service, over SSH to the manager.
# A measurement, not a test: it fails only when the tree does not show the services.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/swarm_vs_cli.sh [services] [runs]
#
# Services are `fdbench-swarm-K`, one replica each (`--replicas 0` with FD_BENCH_EMPTY=1:
# no containers, only the listing costs), removed at the end. FD_BIN picks the binary
# (default: target/release/fleetdeck if built, else target/debug/fleetdeck).
set -euo pipefail
SERVICES="${1:-50}"
RUNS="${2:-3}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_JSON="${FLEETDECK_LAB:?set FLEETDECK_LAB to the lab.json of the lab}"
LAB_DIR="$(dirname "$LAB_JSON")"
[[ -f "$LAB_DIR/swarm.json" ]] || { echo "no lab swarm: tests/lab/swarm.sh up" >&2; exit 1; }
SSH_CONFIG="$LAB_DIR/swarm/ssh_config"
DOCKER=/usr/bin/docker
MANAGER_SOCK="$LAB_DIR/s1/docker.sock"
FD="${FD_BIN:-}"
if [[ -z "$FD" ]]; then
  FD="$REPO/target/release/fleetdeck"
  [[ -x "$FD" ]] || FD="$REPO/target/debug/fleetdeck"
fi
REPLICAS=1
[[ "${FD_BENCH_EMPTY:-0}" == 1 ]] && REPLICAS=0

WORK="$(mktemp -d)"
mgr() { timeout 60 "$DOCKER" -H "unix://$MANAGER_SOCK" "$@"; }
cleanup() {
  mgr service ls -q --filter name=fdbench-swarm- | xargs -r timeout 120 "$DOCKER" -H "unix://$MANAGER_SOCK" service rm >/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

{
  printf '[ssh]\nconfig = "%s"\nconnect_timeout_secs = 5\n[inventory]\npath = "%s/inv.db"\n' "$SSH_CONFIG" "$WORK"
  for k in 1 2 3; do
    printf '[[node]]\nname = "node%s"\nssh = "s%s"\ndocker = "ssh"\ndocker_socket = "%s/s%s/docker.sock"\n' \
      "$k" "$k" "$LAB_DIR" "$k"
  done
} >"$WORK/fleet.toml"

echo "creating $SERVICES services ($REPLICAS replica each)..." >&2
seq 1 "$SERVICES" | xargs -P 4 -I{} timeout 60 "$DOCKER" -H "unix://$MANAGER_SOCK" \
  service create --detach --name "fdbench-swarm-{}" --replicas "$REPLICAS" fdlab/busybox:latest >/dev/null 2>&1
# Wait until every replica runs (or 120 s), so both sides list the same thing.
for _ in $(seq 1 240); do
  want=$((SERVICES * REPLICAS))
  have="$(mgr service ps -q --filter desired-state=running --filter name=fdbench-swarm- \
    $(mgr service ls -q --filter name=fdbench-swarm-) 2>/dev/null | wc -l)"
  ((have >= want)) && break
  sleep 0.5
done

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
fd() { timeout 120 env HOME="$WORK" XDG_STATE_HOME="$WORK/state" "$FD" --config "$WORK/fleet.toml" "$@"; }

best_tree=999999
for _ in $(seq 1 "$RUNS"); do
  t0=$(date +%s%N)
  fd tree --json >"$WORK/tree.json"
  t=$(ms "$t0")
  ((t < best_tree)) && best_tree=$t
done
shown="$(jq '[.swarms[0].services[] | select(.name | startswith("fdbench-swarm-"))] | length' "$WORK/tree.json")"
[[ "$shown" == "$SERVICES" ]] || { echo "tree shows $shown of $SERVICES services" >&2; exit 1; }

best_cli=999999
for _ in $(seq 1 "$RUNS"); do
  t0=$(date +%s%N)
  names="$(timeout 60 ssh -F "$SSH_CONFIG" s1 docker service ls --format '{{.Name}}' --filter name=fdbench-swarm-)"
  for n in $names; do
    timeout 60 ssh -F "$SSH_CONFIG" s1 docker service ps "$n" >/dev/null
  done
  t=$(ms "$t0")
  ((t < best_cli)) && best_cli=$t
done

printf 'swarm of 3 nodes, %s services x %s replica, best of %s (%s)\n' "$SERVICES" "$REPLICAS" "$RUNS" "$FD"
printf '  fleetdeck tree --json (3 nodes, every fact)      %6s ms\n' "$best_tree"
printf '  ssh s1 docker service ls + service ps per service %6s ms\n' "$best_cli"
