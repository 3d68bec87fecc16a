# shellcheck shell=bash
# Operations on a lab that is already up (shared by tests running at the same time):
#
#   lab.sh stop  sshd|dockerd hK   stop one daemon (sshd: with every session it serves)
#   lab.sh start sshd|dockerd hK   start it again exactly as `up` does (no-op if running)
#   lab.sh instrument              apply this tree's daemon configs to the running lab
#                                  (command log, dockerd debug) without restarting
#
# The fault tests use stop/start, always restoring in a cleanup guard. `instrument`
# exists because a shared lab cannot be torn down to pick up a config change: sshd
# re-execs itself with its new config on SIGHUP (existing connections stay up) and
# dockerd reloads `debug` on SIGHUP.

# The facts `up` decided, read back from the running lab: host count, storage driver,
# optional services.
live_load_state() {
  local json="$LAB_DIR/lab.json" k=0
  [[ -f "$json" ]] || die "no lab at $LAB_DIR (missing lab.json): run lab.sh up first"
  while [[ -d "$LAB_DIR/h$((k + 1))" ]]; do k=$((k + 1)); done
  ((k >= 2)) || die "no lab hosts found in $LAB_DIR"
  HOSTS=$k
  STORAGE_DRIVER="$(sed -n 's/.*"storage_driver": "\([a-z0-9]*\)".*/\1/p' "$json")"
  [[ -n "$STORAGE_DRIVER" ]] || die "$json names no storage_driver"
  [[ -f "$RUN_DIR/h$NGINX_HOST-nginx.pid" ]] || WITH_NGINX=0
  [[ -f "$RUN_DIR/h$DNS_HOST-dnsmasq.pid" ]] || WITH_DNS=0
}

# live_host NAME: the host number of hK, checked.
live_host() {
  [[ "${1:-}" =~ ^h([0-9]+)$ ]] || die "expected a host name like h3, got '${1:-}'"
  local k="${BASH_REMATCH[1]}"
  ((k >= 1 && k <= HOSTS)) || die "the lab has no host $1 (hosts h1..h$HOSTS)"
  echo "$k"
}

# The live pid in pid file F, if it is still ours.
live_pid() {
  local pid
  pid="$(head -n1 "$1" 2>/dev/null || true)"
  pid_is_ours "$pid" && echo "$pid"
  return 0
}

# sshd processes of host K: the listener and every per-connection process (all run
# /usr/sbin/sshd inside the host's namespace).
sshd_pids() {
  local k="$1" p
  for p in $(ip netns pids "$(host_ns "$k")" 2>/dev/null); do
    [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == sshd ]] && echo "$p"
  done
  return 0
}

live_stop() {
  local what="$1" k="$2" pid
  case "$what" in
    sshd)
      # shellcheck disable=SC2046
      terminate 5 $(sshd_pids "$k")
      rm -f "$RUN_DIR/$(host_name "$k")-sshd.pid"
      ;;
    dockerd)
      pid="$(live_pid "$RUN_DIR/$(host_name "$k")-dockerd.pid")"
      # shellcheck disable=SC2086
      terminate 20 $pid
      ;;
    *) die "unknown service '$what' (expected sshd or dockerd)" ;;
  esac
}

live_start() {
  local what="$1" k="$2"
  case "$what" in
    sshd)
      if [[ -z "$(live_pid "$RUN_DIR/$(host_name "$k")-sshd.pid")" ]]; then
        in_host "$k" /usr/sbin/sshd -f "$(host_dir "$k")/sshd_config" -E "$(host_dir "$k")/sshd.log" ||
          { show_log "$(host_dir "$k")/sshd.log"; die "sshd for $(host_name "$k") failed to start"; }
      fi
      sshd_wait "$k"
      ;;
    dockerd)
      if [[ -z "$(live_pid "$RUN_DIR/$(host_name "$k")-dockerd.pid")" ]]; then
        # dockerd refuses to start while its last pid file names a live process.
        rm -f "$RUN_DIR/$(host_name "$k")-dockerd.pid"
        dockerd_start "$k"
      fi
      dockerd_wait "$k"
      ;;
    *) die "unknown service '$what' (expected sshd or dockerd)" ;;
  esac
}

live_instrument() {
  local k pid
  ensure_authorized_audit_key
  cmdlog_install
  for ((k = 1; k <= HOSTS; k++)); do
    dockerd_write_config "$k"
    pid="$(live_pid "$RUN_DIR/$(host_name "$k")-dockerd.pid")"
    [[ -z "$pid" ]] || kill -HUP "$pid"
    sshd_write_config "$k"
    pid="$(live_pid "$RUN_DIR/$(host_name "$k")-sshd.pid")"
    [[ -z "$pid" ]] || kill -HUP "$pid"
  done
  for ((k = 1; k <= HOSTS; k++)); do sshd_wait "$k"; done
  write_lab_json
  write_lab_env
  ssh_check
}

# A lab made before client_audit existed gets it now (appended to authorized_keys,
# which sshd reads at every login).
ensure_authorized_audit_key() {
  if [[ ! -f "$LAB_DIR/client_audit" ]]; then
    keygen ed25519 "$LAB_DIR/client_audit" "fdlab client_audit"
  fi
  grep -qF -- "$(cut -d' ' -f2 "$LAB_DIR/client_audit.pub")" "$LAB_DIR/authorized_keys" ||
    cat "$LAB_DIR/client_audit.pub" >>"$LAB_DIR/authorized_keys"
}
