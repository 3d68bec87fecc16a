# shellcheck shell=bash
# Shared definitions for the fleetdeck test lab (sourced by lab.sh).
#
# Naming rules: everything the lab creates outside its own directory is named
# `fdlab*` (network namespaces, links, iptables comments, cgroups), so cleanup
# can find exactly its own objects and nothing else.

LAB_DIR_RAW="${FLEETDECK_LAB_DIR:-/tmp/fleetdeck-lab}"
LAB_PREFIX=fdlab
# A file that marks a directory as a lab directory: `down` refuses to delete a
# non-empty directory that doesn't carry it (protects a mistyped FLEETDECK_LAB_DIR).
LAB_MARKER=.fdlab-lab-dir

BR0=fdlab-br0          # root-namespace bridge, hosts h1..h(N-1)
BR0_NET=10.77.0
BR0_IP=10.77.0.254     # the root namespace's address on BR0 (tests run here)
BR1=fdlab-br1          # h1 + last host only, no address in the root namespace
BR1_NET=10.78.0
# Route protocol number tagging the lab's "unreachable 10.78.0.0/24" route in the
# root namespace (keeps probes of the isolated host off the real network).
ROUTE_PROTO=77

IMAGE=fdlab/busybox:latest

# Extra Docker API listeners (besides every host's unix socket), for the Docker
# transport tests: plain TCP on h$TCP_HOST, mutual TLS on h$TLS_HOST (certificates
# from tls.sh). Both on the host's BR0 address, so the root namespace reaches them.
TCP_HOST=1
TCP_PORT=2375
TLS_HOST=2
TLS_PORT=2376
# The host whose sshd refuses unix-socket forwarding (AllowStreamLocalForwarding
# no): the SSH transport falls back to `docker system dial-stdio` there.
NO_STREAMLOCAL_HOST=2

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S.%1N)" "$*" >&2; }
warn() { printf '[lab] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[lab] ERROR: %s\n' "$*" >&2
  exit 1
}

# Validate and normalise the lab directory path.
resolve_lab_dir() {
  case "$LAB_DIR_RAW" in
    /*) ;;
    *) die "FLEETDECK_LAB_DIR must be an absolute path (got '$LAB_DIR_RAW')" ;;
  esac
  LAB_DIR="$(realpath -m -- "$LAB_DIR_RAW")"
  case "$LAB_DIR" in
    / | /tmp | /root | /home | /var | /usr | /etc | /run)
      die "refusing to use '$LAB_DIR' as the lab directory" ;;
  esac
  case "$LAB_DIR" in
    *[!A-Za-z0-9_./-]*) die "lab directory '$LAB_DIR' may only contain [A-Za-z0-9_./-]" ;;
  esac
  # Unix socket paths are limited to 107 bytes. The longest the lab makes are
  # dockerd's <labdir>/x/hNN/d/libnetwork/<12 hex>.sock (labdir + 38 bytes);
  # containerd-shim sockets go to /run/containerd/s/<hash> whatever the labdir.
  if ((${#LAB_DIR} > 60)); then
    die "lab directory '$LAB_DIR' is too long (${#LAB_DIR} chars, max 60): unix socket paths under dockerd's exec-root would exceed 107 bytes"
  fi
  RUN_DIR="$LAB_DIR/run" # pid files
}

# --- per-host facts -----------------------------------------------------------
# Hosts are numbered 1..N. h1..h(N-1) are on BR0; h1 and hN are on BR1.
host_name() { echo "h$1"; }
host_ns() { echo "fdlab-h$1"; }
host_dir() { echo "$LAB_DIR/h$1"; }
host_xroot() { echo "$LAB_DIR/x/h$1"; } # short paths: exec-root, containerd state
host_uts() { echo "$LAB_DIR/ns/h$1.uts"; }
host_on_br0() { (($1 < HOSTS)); }
host_on_br1() { (($1 == 1 || $1 == HOSTS)); }
# Primary address: BR0 if the host is on it, else BR1.
host_ip() { if host_on_br0 "$1"; then echo "$BR0_NET.$1"; else echo "$BR1_NET.$1"; fi; }
# Docker listeners: only on hosts the root namespace can reach (BR0).
host_has_docker_tcp() { (($1 == TCP_HOST)) && host_on_br0 "$1"; }
host_has_docker_tls() { (($1 == TLS_HOST)) && host_on_br0 "$1"; }
host_ssh_streamlocal() { (($1 != NO_STREAMLOCAL_HOST)); }
# The DNS server a host's containers are given (the lab's dnsmasq on h1).
host_dns() { echo "$BR0_NET.1"; }
host_ips() {
  local ips=()
  host_on_br0 "$1" && ips+=("$BR0_NET.$1")
  host_on_br1 "$1" && ips+=("$BR1_NET.$1")
  echo "${ips[@]}"
}

# Run a command inside host K's network and UTS namespaces. nsenter (not
# `ip netns exec`, which remounts /sys and hides the cgroup mounts dockerd needs).
in_host() {
  local k="$1"
  shift
  nsenter --net="/run/netns/$(host_ns "$k")" --uts="$(host_uts "$k")" -- "$@"
}

# The docker CLI used by the lab: the one shipped with docker.io (matches dockerd).
docker_cli() {
  if [[ -x /usr/bin/docker ]]; then echo /usr/bin/docker; else command -v docker; fi
}

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.1 s.
wait_until() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      warn "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

# Show the tail of a log file on stderr (for failure messages).
show_log() {
  local f="$1" n="${2:-40}"
  if [[ -f "$f" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2
    printf -- '----- end of %s -----\n' "$f" >&2
  else
    printf -- '(no log file %s)\n' "$f" >&2
  fi
}

# JSON string literal (lab values are paths/names; escape \ and " anyway).
json_str() {
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}

# Is PID alive and does its command line mention the lab dir? (guards against
# killing a recycled pid read from a stale pid file)
pid_is_ours() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$LAB_DIR/"
}

require_root() {
  [[ "$(id -u)" == 0 ]] || die "the lab must run as root (it creates network namespaces, bridges and daemons)"
}

require_commands() {
  local missing=() c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  ((${#missing[@]} == 0)) || die "missing commands: ${missing[*]} (scripts/deps.sh installs them with apt-get)"
}
