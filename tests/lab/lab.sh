#!/usr/bin/env bash
# fleetdeck test lab: real hosts (network namespaces) with real sshd, dockerd,
# nginx and dnsmasq, on this machine. See tests/lab/README.md.
#
#   tests/lab/lab.sh up [--hosts N] [--no-nginx] [--no-dns] [--no-swarm]
#   tests/lab/lab.sh down
#   tests/lab/lab.sh stop|start sshd|dockerd hK     (fault tests; see live.sh)
#   tests/lab/lab.sh instrument                     (apply daemon configs live)
#
# Lab directory: ${FLEETDECK_LAB_DIR:-/tmp/fleetdeck-lab}. `up` writes
# <labdir>/lab.json (for the Rust tests: export FLEETDECK_LAB=<labdir>/lab.json)
# and <labdir>/lab.env (for shells). Topology with N=3:
#
#   root ns (tests) 10.77.0.254 ── fdlab-br0 ── h1 10.77.0.1, h2 10.77.0.2
#                                  fdlab-br1 ── h1 10.78.0.1, h3 10.78.0.3
#
# h3 (the last host) is reachable only through h1 (ssh ProxyJump h1).
# Every host: own netns fdlab-hK, hostname hK, sshd on :22, containerd + dockerd
# (socket <labdir>/hK/docker.sock), image fdlab/busybox:latest. h1 also runs
# nginx on 10.77.0.1:80 and dnsmasq on 10.77.0.1:53, and its dockerd listens on
# tcp://10.77.0.1:2375; h2's dockerd listens with mutual TLS on 10.77.0.2:2376
# (certificates in <labdir>/tls), and h2's sshd refuses unix-socket forwarding.
#
# Unless --no-swarm, `up` also runs swarm.sh up (hosts s1..s3 on fdlab-br2,
# 10.79.0.0/24, forming a Docker Swarm; <labdir>/swarm.json); `down` removes them.
# Everything created is named fdlab* or lives under the lab directory; `down`
# (also run first by `up`) removes exactly that, and checks nothing is left.
set -euo pipefail

LAB_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lab/lib.sh
source "$LAB_SRC/lib.sh"
# shellcheck source=tests/lab/net.sh
source "$LAB_SRC/net.sh"
# shellcheck source=tests/lab/ssh.sh
source "$LAB_SRC/ssh.sh"
# shellcheck source=tests/lab/tls.sh
source "$LAB_SRC/tls.sh"
# shellcheck source=tests/lab/docker.sh
source "$LAB_SRC/docker.sh"
# shellcheck source=tests/lab/image.sh
source "$LAB_SRC/image.sh"
# shellcheck source=tests/lab/services.sh
source "$LAB_SRC/services.sh"
# shellcheck source=tests/lab/describe.sh
source "$LAB_SRC/describe.sh"
# shellcheck source=tests/lab/cleanup.sh
source "$LAB_SRC/cleanup.sh"
# shellcheck source=tests/lab/live.sh
source "$LAB_SRC/live.sh"

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

HOSTS=3
WITH_NGINX=1
WITH_DNS=1
WITH_SWARM=1

# swarm.sh runs as its own process: it redefines the per-host functions for sK.
swarm_part() {
  FLEETDECK_LAB_DIR="$LAB_DIR" FDLAB_STORAGE_DRIVER="${STORAGE_DRIVER:-}" "$LAB_SRC/swarm.sh" "$@"
}

cmd_down() {
  local t0=$SECONDS
  swarm_part down || warn "swarm.sh down failed; removing everything anyway"
  lab_down
  lab_verify_clean || die "cleanup incomplete (see above)"
  log "down: lab $LAB_DIR removed, nothing left ($((SECONDS - t0))s)"
}

cmd_up() {
  local t0=$SECONDS k
  require_commands ip nsenter unshare setsid ssh ssh-keygen /usr/sbin/sshd dockerd containerd \
    "$(docker_cli)" curl iptables busybox findmnt pgrep tar openssl
  ((WITH_NGINX == 0)) || require_commands nginx
  ((WITH_DNS == 0)) || require_commands dnsmasq

  log "cleaning up leftovers of earlier runs"
  swarm_part down || warn "swarm.sh down failed; removing everything anyway"
  lab_down
  lab_verify_clean || die "cannot clean up an earlier lab (see above)"

  mkdir -p "$LAB_DIR" "$RUN_DIR"
  chmod 755 "$LAB_DIR"
  touch "$LAB_DIR/$LAB_MARKER"
  ensure_privsep_dir

  # Key generation (the slow part) runs while the network and engines start.
  log "generating ssh keys; building the network; starting containerd + dockerd"
  local keyjobs=()
  ssh_client_keys &
  keyjobs+=($!)
  for ((k = 1; k <= HOSTS; k++)); do
    ssh_host_keys "$k" &
    keyjobs+=($!)
  done
  tls_generate &
  local tlsjob=$!

  net_up

  STORAGE_DRIVER="$(detect_storage_driver)"
  log "docker storage driver: $STORAGE_DRIVER"
  for ((k = 1; k <= HOSTS; k++)); do containerd_start "$k"; done
  for ((k = 1; k <= HOSTS; k++)); do containerd_wait "$k"; done
  wait_pids_or_die "TLS certificate generation" "$tlsjob"
  for ((k = 1; k <= HOSTS; k++)); do dockerd_start "$k"; done
  wait_pids_or_die "ssh key generation" "${keyjobs[@]}"

  log "starting sshd on every host"
  cmdlog_install
  for ((k = 1; k <= HOSTS; k++)); do sshd_start "$k"; done
  ((WITH_NGINX == 0)) || { log "starting nginx on h$NGINX_HOST"; nginx_start; }
  ((WITH_DNS == 0)) || { log "starting dnsmasq on h$DNS_HOST"; dns_start; }
  image_build_rootfs
  # The swarm hosts need only the client keys, the command log and the rootfs:
  # they come up while the h hosts finish.
  local swarmjob=""
  if ((WITH_SWARM == 1)); then
    log "starting the swarm hosts s1..s3 (swarm.sh)"
    swarm_part up &
    swarmjob=$!
  fi

  for ((k = 1; k <= HOSTS; k++)); do sshd_wait "$k"; done
  write_known_hosts
  write_ssh_config
  for ((k = 1; k <= HOSTS; k++)); do dockerd_wait "$k"; done
  log "docker engines up; importing $IMAGE"
  image_import_all

  write_lab_json
  write_lab_env
  log "checking ssh to every host"
  ssh_check
  [[ -z "$swarmjob" ]] || wait_pids_or_die "the lab swarm (swarm.sh up)" "$swarmjob"
  log "up: $HOSTS hosts ready in $((SECONDS - t0))s"
  echo "export FLEETDECK_LAB=$LAB_DIR/lab.json"
}

# wait_pids_or_die WHAT PID...: wait for background jobs; die naming WHAT if one failed.
wait_pids_or_die() {
  local what="$1" p failed=0
  shift
  for p in "$@"; do wait "$p" || failed=1; done
  ((failed == 0)) || die "$what failed (see above)"
}

main() {
  (($# >= 1)) || usage
  local cmd="$1" args=()
  shift
  while (($# > 0)); do
    case "$1" in
      --hosts)
        [[ "${2:-}" =~ ^[0-9]+$ ]] && (($2 >= 2 && $2 <= 50)) || die "--hosts needs a number from 2 to 50"
        HOSTS="$2"
        shift 2
        ;;
      --hosts=*)
        set -- --hosts "${1#--hosts=}" "${@:2}"
        ;;
      --no-nginx) WITH_NGINX=0; shift ;;
      --no-dns) WITH_DNS=0; shift ;;
      --no-swarm) WITH_SWARM=0; shift ;;
      -h | --help) usage ;;
      -*) die "unknown option '$1' (see: $0 --help)" ;;
      *) args+=("$1"); shift ;;
    esac
  done
  require_root
  resolve_lab_dir
  case "$cmd" in
    up | down | instrument) ((${#args[@]} == 0)) || die "$cmd takes no arguments (got ${args[*]})" ;;
    start | stop) ((${#args[@]} == 2)) || die "usage: $0 $cmd sshd|dockerd hK" ;;
  esac
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    instrument) live_load_state; live_instrument; log "instrumented: $LAB_DIR" ;;
    start | stop)
      live_load_state
      local k
      k="$(live_host "${args[1]}")"
      "live_$cmd" "${args[0]}" "$k"
      ;;
    -h | --help | help) usage ;;
    *) die "unknown command '$cmd' (expected up, down, start, stop or instrument)" ;;
  esac
}

main "$@"
