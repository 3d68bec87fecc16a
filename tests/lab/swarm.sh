#!/usr/bin/env bash
# fleetdeck test lab, part two: a Docker Swarm of its own (see tests/lab/README.md).
#
#   tests/lab/swarm.sh up                    build the swarm hosts (needs a lab up)
#   tests/lab/swarm.sh down                  remove them (and nothing else)
#   tests/lab/swarm.sh stop|start dockerd sK (fault tests, as lab.sh stop|start)
#
# Three hosts s1..s3 on their own bridge, so the lab's h1..h3 never see a swarm
# network appear (other tests share them):
#
#   root ns 10.79.0.254 ── fdlab-br2 ── s1 10.79.0.1 (manager), s2 .2, s3 .3 (workers)
#
# Each host is built like a lab host (netns fdlab-sK, hostname sK, sshd on :22
# with the lab's client keys and command log, containerd + dockerd with socket
# <labdir>/sK/docker.sock, image fdlab/busybox:latest). `up` writes
# <labdir>/swarm.json (atomically) for tests/support/swarm.rs, and
# <labdir>/swarm/{known_hosts,ssh_config}. lab.sh up runs it (unless --no-swarm)
# and lab.sh down removes it. The kernel has VXLAN but no IPVS: overlay networks
# and host-mode published ports work, the routing mesh does not.
set -euo pipefail

LAB_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/lab/lib.sh
source "$LAB_SRC/lib.sh"
# shellcheck source=tests/lab/net.sh (iptables_cmds, lab_links, lab_iptables_rules)
source "$LAB_SRC/net.sh"
# shellcheck source=tests/lab/ssh.sh
source "$LAB_SRC/ssh.sh"
# shellcheck source=tests/lab/docker.sh
source "$LAB_SRC/docker.sh"
# shellcheck source=tests/lab/image.sh
source "$LAB_SRC/image.sh"
# shellcheck source=tests/lab/cleanup.sh
source "$LAB_SRC/cleanup.sh"
# shellcheck source=tests/lab/live.sh
source "$LAB_SRC/live.sh"

HOSTS=3
BR2=fdlab-br2
BR2_NET=10.79.0
BR2_IP=10.79.0.254
# How often workers report to the manager: a worker whose engine dies is marked
# down after a few missed beats (Docker's default 5 s would make that ~15 s).
HEARTBEAT=2s

# The per-host facts of lib.sh, for the swarm hosts (the functions of ssh.sh,
# docker.sh and live.sh read them, so they build sK instead of hK).
host_name() { echo "s$1"; }
host_ns() { echo "$LAB_PREFIX-s$1"; }
host_dir() { echo "$LAB_DIR/s$1"; }
host_xroot() { echo "$LAB_DIR/x/s$1"; }
host_uts() { echo "$LAB_DIR/ns/s$1.uts"; }
host_on_br0() { return 1; }
host_on_br1() { return 1; }
host_ip() { echo "$BR2_NET.$1"; }
host_ips() { host_ip "$1"; }
host_has_docker_tcp() { return 1; }
host_has_docker_tls() { return 1; }
host_ssh_streamlocal() { return 0; }
host_dns() { echo "$BR2_IP"; }

# wait_pids_or_die WHAT PID...: as in lab.sh.
wait_pids_or_die() {
  local what="$1" p failed=0
  shift
  for p in "$@"; do wait "$p" || failed=1; done
  ((failed == 0)) || die "$what failed (see above)"
}

swarm_dir() { echo "$LAB_DIR/swarm"; }
docker_s() {
  local k="$1"
  shift
  timeout 60 "$(docker_cli)" -H "unix://$(host_dir "$k")/docker.sock" "$@"
}

# --- up ------------------------------------------------------------------------

swarm_net_up() {
  local k ns veth ipt
  ip link add "$BR2" type bridge || die "cannot create bridge $BR2"
  ip addr add "$BR2_IP/24" dev "$BR2"
  ip link set "$BR2" up
  mkdir -p "$LAB_DIR/ns"
  for ((k = 1; k <= HOSTS; k++)); do
    ns="$(host_ns "$k")"
    ip netns add "$ns" || die "cannot create network namespace $ns"
    ip -n "$ns" link set lo up
    touch "$(host_uts "$k")"
    unshare --uts="$(host_uts "$k")" hostname "$(host_name "$k")" ||
      die "cannot create the UTS namespace for $(host_name "$k")"
    veth="$LAB_PREFIX-s$k-0"
    ip link add "$veth" type veth peer name eth0 netns "$ns" || die "cannot create veth $veth"
    ip link set "$veth" master "$BR2" up
    ip -n "$ns" addr add "$(host_ip "$k")/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  swarm_proxy_leg
  # Frames bridged between swarm hosts (raft on 2377, gossip on 7946, VXLAN on
  # 4789) cross the root namespace's FORWARD chain with br_netfilter: see net.sh.
  # Commented "fdlab" like the lab's own rules, so lab.sh down removes them too.
  for ipt in $(iptables_cmds); do
    "$ipt" -w -I FORWARD -i "$BR2" -o "$BR2" -m comment --comment "$LAB_PREFIX" -j ACCEPT ||
      die "$ipt: cannot add the FORWARD accept rule for $BR2"
  done
}

# The lab's nginx (on h1) reaches the swarm sites' published ports: h1 gets a leg on
# fdlab-br2 (eth2, $PROXY_LEG_IP), as it has one on fdlab-br1, so no forwarding in the
# root namespace is needed. Idempotent; the host end is named fdlab-s0-h1, so
# swarm_links (and swarm_down) take it with the swarm hosts.
PROXY_LEG=$LAB_PREFIX-s0-h1
PROXY_LEG_IP=$BR2_NET.11
swarm_proxy_leg() {
  local ns="$LAB_PREFIX-h1"
  ip netns list | awk '{print $1}' | grep -qx "$ns" || { warn "no $ns: the proxy cannot reach the swarm"; return 0; }
  if ! ip link show "$PROXY_LEG" >/dev/null 2>&1; then
    ip link add "$PROXY_LEG" type veth peer name eth2 netns "$ns" || die "cannot create veth $PROXY_LEG"
  fi
  ip link set "$PROXY_LEG" master "$BR2" up
  ip -n "$ns" addr replace "$PROXY_LEG_IP/24" dev eth2
  ip -n "$ns" link set eth2 up
}

# One host, start to finish (hosts run in parallel): keys, containerd, dockerd,
# sshd, the test image.
swarm_host_up() {
  local k="$1" d
  d="$(host_dir "$k")"
  install -d -m 0755 "$d" "$d/fakebin"
  install -m 0644 /dev/null "$d/commands.log"
  ssh_host_keys "$k"
  containerd_start "$k"
  containerd_wait "$k"
  dockerd_start "$k"
  sshd_start "$k"
  dockerd_wait "$k"
  sshd_wait "$k"
  image_import "$k"
}

swarm_form() {
  local token k pids=()
  docker_s 1 swarm init --advertise-addr "$(host_ip 1)" --listen-addr "$(host_ip 1):2377" \
    --dispatcher-heartbeat "$HEARTBEAT" --task-history-limit 2 >/dev/null ||
    { show_log "$(host_dir 1)/dockerd.log" 20; die "swarm init on s1 failed"; }
  token="$(docker_s 1 swarm join-token -q worker)" || die "cannot read the worker join token"
  for ((k = 2; k <= HOSTS; k++)); do
    docker_s "$k" swarm join --token "$token" --advertise-addr "$(host_ip "$k")" \
      --listen-addr "$(host_ip "$k"):2377" "$(host_ip 1):2377" >/dev/null &
    pids+=($!)
  done
  wait_pids_or_die "swarm join" "${pids[@]}"
  wait_until 30 "$HOSTS swarm nodes ready" swarm_all_ready ||
    die "the swarm does not show $HOSTS ready nodes: $(docker_s 1 node ls 2>&1)"
}

swarm_all_ready() {
  [[ "$(docker_s 1 node ls --format '{{.Status}}' | grep -c '^Ready$')" == "$HOSTS" ]]
}

swarm_write_client_files() {
  local k t sd
  sd="$(swarm_dir)"
  mkdir -p "$sd"
  for ((k = 1; k <= HOSTS; k++)); do
    for t in "${HOST_KEY_TYPES[@]}"; do
      printf '%s,%s %s\n' "$(host_name "$k")" "$(host_ip "$k")" \
        "$(cut -d' ' -f1-2 "$(host_dir "$k")/ssh/ssh_host_${t}_key.pub")"
    done
  done >"$sd/known_hosts"
  for ((k = 1; k <= HOSTS; k++)); do
    cat <<EOF
Host $(host_name "$k")
  HostName $(host_ip "$k")
  User root
  IdentityFile $LAB_DIR/client_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $sd/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR

EOF
  done >"$sd/ssh_config"
}

swarm_host_json() {
  local k="$1" d id role
  d="$(host_dir "$k")"
  id="$(docker_s "$k" info --format '{{.Swarm.NodeID}}')" || die "docker info on $(host_name "$k") failed"
  if ((k == 1)); then role=manager; else role=worker; fi
  cat <<EOF
    {
      "name": "$(host_name "$k")",
      "netns": "$(host_ns "$k")",
      "ip": "$(host_ip "$k")",
      "ssh_port": 22,
      "user": "root",
      "dir": $(json_str "$d"),
      "docker_socket": $(json_str "$d/docker.sock"),
      "docker_host": $(json_str "unix://$d/docker.sock"),
      "dockerd_log": $(json_str "$d/dockerd.log"),
      "commands_log": $(json_str "$d/commands.log"),
      "role": "$role",
      "node_id": "$id"
    }
EOF
}

swarm_write_json() {
  local k sep="" sd
  sd="$(swarm_dir)"
  {
    cat <<EOF
{
  "version": 1,
  "dir": $(json_str "$LAB_DIR"),
  "bridge": { "name": "$BR2", "subnet": "$BR2_NET.0/24", "root_ip": "$BR2_IP" },
  "known_hosts": $(json_str "$sd/known_hosts"),
  "ssh_config": $(json_str "$sd/ssh_config"),
  "client_key": $(json_str "$LAB_DIR/client_ed25519"),
  "image": "$IMAGE",
  "docker_cli": $(json_str "$(docker_cli)"),
  "storage_driver": "$STORAGE_DRIVER",
  "heartbeat": "$HEARTBEAT",
  "manager": "s1",
  "hosts": [
EOF
    for ((k = 1; k <= HOSTS; k++)); do
      printf '%s%s' "$sep" "$(swarm_host_json "$k")"
      sep=$',\n'
    done
    printf '\n  ]\n}\n'
  } >"$LAB_DIR/swarm.json.tmp"
  mv "$LAB_DIR/swarm.json.tmp" "$LAB_DIR/swarm.json"
}

swarm_ssh_check() {
  local k out
  for ((k = 1; k <= HOSTS; k++)); do
    out="$(env -u SSH_AUTH_SOCK timeout 20 ssh -F "$(swarm_dir)/ssh_config" "$(host_name "$k")" hostname 2>&1)" ||
      die "ssh to $(host_name "$k") failed: $out"
    [[ "$out" == "$(host_name "$k")" ]] || die "ssh $(host_name "$k") hostname answered '$out'"
  done
}

# The main lab's facts this part reuses: client keys, command log, storage driver
# (lab.sh up passes it in FDLAB_STORAGE_DRIVER: it runs this before lab.json exists).
swarm_needs_lab() {
  local f
  for f in authorized_keys client_ed25519 bin/fdlab-cmdlog; do
    [[ -e "$LAB_DIR/$f" ]] || die "no lab at $LAB_DIR (missing $f): run lab.sh up first"
  done
  STORAGE_DRIVER="${FDLAB_STORAGE_DRIVER:-}"
  if [[ -z "$STORAGE_DRIVER" && -f "$LAB_DIR/lab.json" ]]; then
    STORAGE_DRIVER="$(sed -n 's/.*"storage_driver": "\([a-z0-9]*\)".*/\1/p' "$LAB_DIR/lab.json")"
  fi
  [[ -n "$STORAGE_DRIVER" ]] || die "no storage driver: run lab.sh up first (it writes lab.json)"
}

cmd_up() {
  local t0=$SECONDS k pids=()
  swarm_needs_lab
  swarm_down
  [[ -f "$LAB_DIR/image/rootfs.tar" ]] || image_build_rootfs
  swarm_net_up
  for ((k = 1; k <= HOSTS; k++)); do
    swarm_host_up "$k" &
    pids+=($!)
  done
  wait_pids_or_die "starting the swarm hosts" "${pids[@]}"
  swarm_form
  swarm_write_client_files
  swarm_ssh_check
  swarm_write_json
  log "swarm up: s1 manager, s2 s3 workers, ready in $((SECONDS - t0))s"
}

# --- down ------------------------------------------------------------------------

swarm_pidfile_pids() {
  local f pid
  for f in "$RUN_DIR"/s[0-9]*-"$1".pid; do
    [[ -f "$f" ]] || continue
    pid="$(head -n1 "$f" 2>/dev/null || true)"
    pid_is_ours "$pid" && echo "$pid"
  done
  return 0
}

swarm_netns_list() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-s[0-9]" || true; }
swarm_links() { lab_links | grep -E "^($LAB_PREFIX-s[0-9]|$BR2$)" || true; }
swarm_cgroups() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$LAB_PREFIX-s[0-9]*" 2>/dev/null || true; }
swarm_paths_re() { echo "^${LAB_DIR//./\\.}/(s[0-9]+|x/s[0-9]+|ns/s[0-9]+\\.uts)(/|\$)"; }
swarm_mounts() { findmnt -rn -o TARGET 2>/dev/null | grep -E "$(swarm_paths_re)" || true; }
swarm_rules() { lab_iptables_rules "$1" | grep -- "-i $BR2 " || true; }
swarm_dir_pids() {
  local mine p
  mine=" $(self_and_ancestors | tr '\n' ' ') "
  for p in $(pgrep -f -- "${LAB_DIR//./\\.}/(s[0-9]|x/s[0-9])" || true); do
    [[ "$mine" == *" $p "* ]] || echo "$p"
  done
}

# Removes the swarm hosts only (the h hosts, their bridges and rules stay). Idempotent.
swarm_down() {
  local k sock pids=() p cg ns ipt rule t
  for ((k = 1; k <= HOSTS; k++)); do
    sock="$(host_dir "$k")/docker.sock"
    [[ -S "$sock" ]] || continue
    docker_kill_all "$sock" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  # shellcheck disable=SC2046
  terminate 15 $(swarm_pidfile_pids sshd) $(swarm_pidfile_pids 'dockerd*')
  # shellcheck disable=SC2046
  terminate 10 $(swarm_pidfile_pids containerd)
  for cg in $(swarm_cgroups); do
    # shellcheck disable=SC2046
    kill -KILL $(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null) 2>/dev/null || true
  done
  for ns in $(swarm_netns_list); do
    # shellcheck disable=SC2046
    terminate 5 $(ip netns pids "$ns" 2>/dev/null)
  done
  # shellcheck disable=SC2046
  terminate 5 $(swarm_dir_pids)
  for p in 1 2 3; do
    [[ -n "$(swarm_mounts)" ]] || break
    while read -r t; do
      [[ -n "$t" ]] && umount -l "$t" 2>/dev/null || true
    done < <(swarm_mounts | sort -r)
  done
  for ns in $(swarm_netns_list); do ip netns del "$ns" 2>/dev/null || warn "cannot delete netns $ns"; done
  for t in $(swarm_links); do ip link del "$t" 2>/dev/null || true; done
  for ipt in $(iptables_cmds); do
    while read -r rule; do
      [[ -n "$rule" ]] || continue
      local args
      read -ra args <<<"${rule/#-A /-D }"
      "$ipt" -w "${args[@]}" 2>/dev/null || warn "$ipt: cannot delete rule: $rule"
    done < <(swarm_rules "$ipt")
  done
  for cg in $(swarm_cgroups); do
    find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -f "$RUN_DIR"/s[0-9]*.pid "$LAB_DIR/swarm.json" "$LAB_DIR/swarm.json.tmp"
  for t in "$LAB_DIR"/s[0-9]* "$LAB_DIR"/x/s[0-9]* "$LAB_DIR"/ns/s[0-9]*.uts "$(swarm_dir)"; do
    [[ -e "$t" ]] && rm -rf --one-file-system "$t" 2>/dev/null
  done
  return 0
}

swarm_verify_clean() {
  local left=() x ipt
  x="$(swarm_netns_list)" && [[ -z "$x" ]] || left+=("netns: $x")
  x="$(swarm_links)" && [[ -z "$x" ]] || left+=("links: $x")
  x="$(swarm_dir_pids)" && [[ -z "$x" ]] || left+=("processes: $x")
  x="$(swarm_mounts)" && [[ -z "$x" ]] || left+=("mounts: $x")
  x="$(swarm_cgroups)" && [[ -z "$x" ]] || left+=("cgroups: $x")
  for ipt in $(iptables_cmds); do
    x="$(swarm_rules "$ipt")" && [[ -z "$x" ]] || left+=("$ipt rules: $x")
  done
  x="$(compgen -G "$LAB_DIR/s[0-9]*" || true)" && [[ -z "$x" ]] || left+=("files: $x")
  if ((${#left[@]} > 0)); then
    printf '[lab swarm] left behind: %s\n' "${left[@]}" >&2
    return 1
  fi
}

cmd_down() {
  local t0=$SECONDS
  if [[ -d "$LAB_DIR" && ! -e "$LAB_DIR/$LAB_MARKER" && -n "$(ls -A "$LAB_DIR")" ]]; then
    die "$LAB_DIR is not empty and has no $LAB_MARKER file: not a lab directory, refusing to touch it"
  fi
  swarm_down
  swarm_verify_clean || die "swarm cleanup incomplete (see above)"
  log "swarm down: nothing left ($((SECONDS - t0))s)"
}

main() {
  (($# >= 1)) || { sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
  require_root
  resolve_lab_dir
  case "$1" in
    up) (($# == 1)) || die "up takes no arguments"; cmd_up ;;
    down) (($# == 1)) || die "down takes no arguments"; cmd_down ;;
    start | stop)
      (($# == 3)) || die "usage: $0 $1 dockerd|sshd sK"
      [[ "$3" =~ ^s([1-9])$ ]] && ((BASH_REMATCH[1] <= HOSTS)) || die "expected s1..s$HOSTS, got '$3'"
      local k="${BASH_REMATCH[1]}"
      swarm_needs_lab
      "live_$1" "$2" "$k"
      ;;
    *) die "unknown command '$1' (expected up, down, start or stop)" ;;
  esac
}

main "$@"
