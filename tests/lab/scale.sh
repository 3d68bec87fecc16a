#!/usr/bin/env bash
# fleetdeck scale lab: many ssh-only hosts, for the scale test and bench (README
# "A thousand hosts"). Runs beside the main lab (lab.sh) and never touches it.
#
#   tests/lab/scale.sh up N [--jump K] [--tag T] [--net A.B] [--max-startups S]
#                           [--channel-timeout SPEC]
#   tests/lab/scale.sh down [--tag T]
#
# N hosts xT1..xTN (T defaults to x: x1..xN), each a network namespace fdlab-T<k> with
# its own sshd and its own ed25519 host key. x1 is the jump host: the last K hosts are
# on a bridge of their own that only x1 also joins, so they are reached through it.
#
#   root ns A.B.255.254/16 ── fdlab-brT ── T1 A.B.0.2, T2 A.B.0.3, ... (k -> A.B.k/250.k%250+1)
#                             fdlab-bjT ── T1 A.B.201.254, hidden hosts A.B.201.j
#
# Directory: ${FLEETDECK_SCALE_DIR:-/tmp/fleetdeck-scale-T}. `up` writes scale.json
# (the description), config.toml (a fleetdeck config: every host a node, docker and
# hypervisor none, the hidden ones with jump = "T1"), ssh_config, known_hosts (one line
# per host, each its own key) and a client key. Every session goes through the lab's
# command log (<dir>/T<k>/commands.log, see fdlab-cmdlog). The jump host's sshd keeps
# OpenSSH's default MaxStartups (10:30:100) unless --max-startups says otherwise.
# --channel-timeout gives every sshd a ChannelTimeout (e.g. 'session:*=3s': a session
# quiet for 3 s is closed), as a server that will not keep long sessions open.
#
# Names are fdlab* (namespaces, links, the iptables comment "fdlab"), so the main lab's
# `down` removes them too; this script's `down` removes only its own tag's.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAG=x
NET=10.80
JUMPED=0
MAX_STARTUPS=
CHANNEL_TIMEOUT=
# Every call that could hang is bounded.
T=20

log() { printf '[scale %s] %s\n' "$(date +%H:%M:%S.%1N)" "$*" >&2; }
die() {
  printf '[scale] ERROR: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '5,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

parse() {
  while (($#)); do
    case "$1" in
      --jump) JUMPED="${2:?}"; shift 2 ;;
      --tag) TAG="${2:?}"; shift 2 ;;
      --net) NET="${2:?}"; shift 2 ;;
      --max-startups) MAX_STARTUPS="${2:?}"; shift 2 ;;
      --channel-timeout) CHANNEL_TIMEOUT="${2:?}"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ "$TAG" =~ ^[a-z]{1,3}$ ]] || die "--tag must be 1-3 lowercase letters"
  # h: the main lab's hosts (fdlab-hK); s: the swarm lab's.
  case "$TAG" in h | s) die "--tag $TAG would name another lab's namespaces" ;; esac
  [[ "$NET" =~ ^10\.[0-9]{1,3}$ ]] || die "--net must look like 10.80"
  case "$NET" in 10.77 | 10.78 | 10.79) die "--net $NET belongs to the main lab" ;; esac
  DIR="${FLEETDECK_SCALE_DIR:-/tmp/fleetdeck-scale-$TAG}"
  BR="fdlab-br$TAG"
  BJ="fdlab-bj$TAG"
  ROOT_IP="$NET.255.254"
  # Every host's sshd and sessions are charged to one cpuacct cgroup (cgroup v1 here,
  # v2 elsewhere): the bench reads the hosts' CPU there, exited sessions included.
  if [[ -d /sys/fs/cgroup/cpuacct ]]; then
    CG="/sys/fs/cgroup/cpuacct/fdlab-scale-$TAG"
  else
    CG="/sys/fs/cgroup/fdlab-scale-$TAG"
  fi
}

ns() { echo "fdlab-$TAG$1"; }
name() { echo "$TAG$1"; }
hidden() { (($1 > HOSTS - JUMPED)); }
ip_of() {
  if hidden "$1"; then echo "$NET.201.$(($1 - (HOSTS - JUMPED)))"; else echo "$NET.$(($1 / 250)).$(($1 % 250 + 1))"; fi
}

fw() { # fw -I|-D BRIDGE: frames bridged between hosts cross FORWARD under br_netfilter
  timeout "$T" iptables -w "$1" FORWARD -i "$2" -o "$2" -m comment --comment fdlab -j ACCEPT
}

cmd_down() {
  parse "$@"
  local pids n
  # sshd first (pid files), then anything left in the namespaces.
  pids="$(cat "$DIR"/run/*.pid 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [[ -z "$pids" ]] || kill $pids 2>/dev/null || true
  for n in $(ip netns list | awk '{print $1}' | grep -E "^fdlab-$TAG[0-9]+$" || true); do
    # shellcheck disable=SC2046
    kill -9 $(ip netns pids "$n") 2>/dev/null || true
    timeout "$T" ip netns del "$n" || true
  done
  timeout "$T" ip link del "$BR" 2>/dev/null || true
  timeout "$T" ip link del "$BJ" 2>/dev/null || true
  while fw -D "$BR" 2>/dev/null; do :; done
  while fw -D "$BJ" 2>/dev/null; do :; done
  timeout "$T" ip route del unreachable "$NET.201.0/24" 2>/dev/null || true
  [[ ! -d "$CG" ]] || rmdir "$CG" 2>/dev/null || true
  [[ "$DIR" == /tmp/fleetdeck-scale* ]] && rm -rf "$DIR"
  log "down ($TAG)"
}

# One host's files: key, sshd config; then its sshd in its namespace.
host_up() {
  local k="$1" d ip
  d="$DIR/$(name "$k")"
  ip="$(ip_of "$k")"
  mkdir -p "$d"
  : >"$d/commands.log"
  timeout "$T" ssh-keygen -q -t ed25519 -N '' -C "fdlab-$(name "$k")" -f "$d/host_ed25519" ||
    die "ssh-keygen for $(name "$k")"
  {
    echo "ListenAddress $ip:22"
    ((k == 1 && JUMPED > 0)) && echo "ListenAddress $NET.201.254:22"
    cat <<EOF
HostKey $d/host_ed25519
PidFile $DIR/run/$(name "$k").pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM $USE_PAM
StrictModes no
AuthorizedKeysFile $DIR/authorized_keys
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel VERBOSE
SetEnv SHLVL=1
ExposeAuthInfo yes
ForceCommand $DIR/bin/fdlab-cmdlog $(name "$k")
EOF
    [[ -z "$MAX_STARTUPS" ]] || echo "MaxStartups $MAX_STARTUPS"
    [[ -z "$CHANNEL_TIMEOUT" ]] || echo "ChannelTimeout $CHANNEL_TIMEOUT"
  } >"$d/sshd_config"
  # shellcheck disable=SC2016
  timeout "$T" bash -c 'echo $$ >"$1/cgroup.procs" 2>/dev/null; exec ip netns exec "$2" /usr/sbin/sshd -f "$3" -E "$4"' \
    _ "$CG" "$(ns "$k")" "$d/sshd_config" "$d/sshd.log" ||
    die "sshd for $(name "$k") did not start (see $d/sshd.log)"
}

cmd_up() {
  local n="${1:-}"
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 5000)) || usage
  shift
  parse "$@"
  HOSTS="$n"
  ((JUMPED < HOSTS && JUMPED <= 250)) || die "--jump must be below N and at most 250"
  local t0=$SECONDS k
  cmd_down "$@" 2>/dev/null
  [[ -d /run/sshd ]] || install -d -m 0755 /run/sshd
  mkdir -p "$DIR/run" "$DIR/bin"
  mkdir -p "$CG" 2>/dev/null || log "no cgroup $CG: the bench cannot read the hosts' CPU"
  install -m 0755 "$SRC/fdlab-cmdlog" "$DIR/bin/fdlab-cmdlog"
  timeout "$T" ssh-keygen -q -t ed25519 -N '' -C "fdlab scale client" -f "$DIR/client_ed25519"
  install -m 0600 "$DIR/client_ed25519.pub" "$DIR/authorized_keys"
  # With UsePAM no, sshd refuses a locked root ("!" password field).
  if getent shadow root 2>/dev/null | cut -d: -f2 | grep -q '^!'; then USE_PAM=yes; else USE_PAM=no; fi
  export USE_PAM

  # Network: one `ip -batch` for the root namespace, one per host for its own side.
  {
    echo "link add $BR type bridge"
    echo "addr add $ROOT_IP/16 dev $BR"
    echo "link set $BR up"
    if ((JUMPED > 0)); then
      echo "link add $BJ type bridge"
      echo "link set $BJ up"
      # Never try the hidden subnet through the default route.
      echo "route add unreachable $NET.201.0/24"
    fi
    for ((k = 1; k <= HOSTS; k++)); do
      echo "netns add $(ns "$k")"
      if hidden "$k"; then
        echo "link add $(ns "$k") type veth peer name eth0 netns $(ns "$k")"
        echo "link set $(ns "$k") master $BJ up"
      else
        echo "link add $(ns "$k") type veth peer name eth0 netns $(ns "$k")"
        echo "link set $(ns "$k") master $BR up"
      fi
    done
    if ((JUMPED > 0)); then
      echo "link add $(ns 1)j type veth peer name eth1 netns $(ns 1)"
      echo "link set $(ns 1)j master $BJ up"
    fi
  } >"$DIR/net.batch"
  timeout 120 ip -batch "$DIR/net.batch" || die "network set-up failed (see $DIR/net.batch)"
  fw -I "$BR" || die "iptables FORWARD rule for $BR"
  ((JUMPED == 0)) || fw -I "$BJ" || die "iptables FORWARD rule for $BJ"
  for ((k = 1; k <= HOSTS; k++)); do
    if hidden "$k"; then mask=24; else mask=16; fi
    printf 'addr add %s/%s dev eth0\nlink set eth0 up\nlink set lo up\n' "$(ip_of "$k")" "$mask" |
      timeout "$T" ip -n "$(ns "$k")" -batch - || die "addresses of $(name "$k")"
  done
  if ((JUMPED > 0)); then
    printf 'addr add %s/24 dev eth1\nlink set eth1 up\n' "$NET.201.254" |
      timeout "$T" ip -n "$(ns 1)" -batch - || die "jump leg of $(name 1)"
  fi
  log "network: $HOSTS namespaces in $((SECONDS - t0))s"

  # Keys and sshd, in parallel (ed25519 keygen is fast; each host its own key).
  export -f host_up hidden ip_of ns name die log
  export DIR TAG NET HOSTS JUMPED MAX_STARTUPS CHANNEL_TIMEOUT T CG
  seq 1 "$HOSTS" | timeout 300 xargs -P 16 -I{} bash -c 'host_up {}' ||
    die "starting the hosts failed"

  write_client_files
  wait_ready
  log "up: $HOSTS hosts ($JUMPED behind $(name 1)) in $((SECONDS - t0))s; FLEETDECK_SCALE=$DIR/scale.json"
}

# known_hosts, ssh_config, config.toml, scale.json.
write_client_files() {
  local k nm ip first=1
  : >"$DIR/known_hosts"
  {
    echo "# fdlab scale client config: ssh -F $DIR/ssh_config ${TAG}K"
    echo "Host ${TAG}*"
    echo "  User root"
    echo "  IdentityFile $DIR/client_ed25519"
    echo "  IdentitiesOnly yes"
    echo "  UserKnownHostsFile $DIR/known_hosts"
    echo "  GlobalKnownHostsFile /dev/null"
    echo "  StrictHostKeyChecking yes"
    echo "  BatchMode yes"
    echo "  ConnectTimeout 10"
    echo "  LogLevel ERROR"
  } >"$DIR/ssh_config"
  {
    echo "# fleetdeck config for the scale lab (tests/lab/scale.sh)"
    echo "refresh_secs = 5"
    echo
    echo "[ssh]"
    echo "config = \"$DIR/ssh_config\""
    echo "known_hosts = \"$DIR/known_hosts\""
    echo
    echo "[inventory]"
    echo "path = \"$DIR/inventory.db\""
  } >"$DIR/config.toml"
  printf '{\n  "version": 1,\n  "dir": "%s",\n  "tag": "%s",\n  "bridge": "%s",\n  "root_ip": "%s",\n' \
    "$DIR" "$TAG" "$BR" "$ROOT_IP" >"$DIR/scale.json"
  printf '  "cgroup": "%s",\n' "$CG" >>"$DIR/scale.json"
  printf '  "config": "%s",\n  "ssh_config": "%s",\n  "known_hosts": "%s",\n  "client_key": "%s",\n  "jump": "%s",\n  "hosts": [\n' \
    "$DIR/config.toml" "$DIR/ssh_config" "$DIR/known_hosts" "$DIR/client_ed25519" \
    "$( ((JUMPED > 0)) && name 1)" >>"$DIR/scale.json"
  for ((k = 1; k <= HOSTS; k++)); do
    nm="$(name "$k")"
    ip="$(ip_of "$k")"
    # sshd writes the host name with the address: one line per host, its own key.
    echo "$ip $(cut -d' ' -f1-2 "$DIR/$nm/host_ed25519.pub")" >>"$DIR/known_hosts"
    {
      echo "Host $nm"
      echo "  HostName $ip"
      if hidden "$k"; then echo "  ProxyJump $(name 1)"; fi
    } >>"$DIR/ssh_config"
    {
      echo
      echo "[[node]]"
      echo "name = \"$nm\""
      echo "ssh = \"$nm\""
      hidden "$k" && echo "jump = \"$(name 1)\""
      echo "hypervisor = \"none\""
      echo "docker = \"none\""
    } >>"$DIR/config.toml"
    ((first)) || printf ',\n' >>"$DIR/scale.json"
    first=0
    printf '    {"name": "%s", "ip": "%s", "netns": "%s", "behind_jump": %s, "dir": "%s", "commands_log": "%s", "sshd_log": "%s", "pid_file": "%s"}' \
      "$nm" "$ip" "$(ns "$k")" "$(hidden "$k" && echo true || echo false)" "$DIR/$nm" \
      "$DIR/$nm/commands.log" "$DIR/$nm/sshd.log" "$DIR/run/$nm.pid" >>"$DIR/scale.json"
  done
  printf '\n  ]\n}\n' >>"$DIR/scale.json"
}

# Every sshd has written its pid file (it does once listening).
wait_ready() {
  local k end=$((SECONDS + 30))
  for ((k = 1; k <= HOSTS; k++)); do
    until [[ -s "$DIR/run/$(name "$k").pid" ]]; do
      ((SECONDS < end)) || die "sshd of $(name "$k") not up after 30s (see $DIR/$(name "$k")/sshd.log)"
      sleep 0.05
    done
  done
}

[[ $EUID -eq 0 ]] || die "run as root (network namespaces)"
case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  *) usage ;;
esac
