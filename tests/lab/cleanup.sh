# shellcheck shell=bash
# Tear-down (`lab.sh down`, and the first step of `lab.sh up`). Finds what is
# the lab's by name only: pid files and mounts under the lab directory, netns /
# links / cgroups named fdlab*, iptables rules commented "fdlab". Idempotent.

# This process and its ancestors: never kill them (their command lines may
# mention the lab directory, e.g. `bash -c '... /tmp/fleetdeck-lab ...'`).
self_and_ancestors() {
  local p="$BASHPID"
  echo "$$"
  while [[ -n "$p" && "$p" != 0 ]]; do
    echo "$p"
    p="$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)"
  done
}

is_alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# terminate TIMEOUT PID...: SIGTERM, wait up to TIMEOUT seconds, then SIGKILL.
terminate() {
  local timeout="$1" p
  shift
  (($# > 0)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    local alive=()
    for p in "$@"; do is_alive "$p" && alive+=("$p"); done
    ((${#alive[@]} == 0)) && return 0
    sleep 0.1
  done
  for p in "$@"; do
    if is_alive "$p"; then
      warn "pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)) ignored SIGTERM; killing"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
}

# Pids recorded in the lab's pid files whose names match GLOB, still ours.
pidfile_pids() {
  local f pid
  for f in "$RUN_DIR"/$1; do
    [[ -f "$f" ]] || continue
    pid="$(head -n1 "$f" 2>/dev/null || true)"
    pid_is_ours "$pid" && echo "$pid"
  done
  return 0
}

lab_netns_list() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-" || true; }

lab_cgroups() {
  find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$LAB_PREFIX-[hs]*" 2>/dev/null || true
}

lab_mounts() {
  findmnt -rn -o TARGET 2>/dev/null | grep -E "^${LAB_DIR//./\\.}(/|$)" || true
}

# Processes (other than us) whose command line mentions the lab directory.
lab_dir_pids() {
  local mine p
  mine=" $(self_and_ancestors | tr '\n' ' ') "
  for p in $(pgrep -f -- "${LAB_DIR//./\\.}(/|[[:space:]]|$)" || true); do
    [[ "$mine" == *" $p "* ]] || echo "$p"
  done
}

lab_down() {
  local started=$SECONDS sock pids=() p
  # 0. a mistyped FLEETDECK_LAB_DIR must not get its processes killed and its files deleted
  if [[ -d "$LAB_DIR" && ! -e "$LAB_DIR/$LAB_MARKER" && -n "$(ls -A "$LAB_DIR")" ]]; then
    die "$LAB_DIR is not empty and has no $LAB_MARKER file: not a lab directory, refusing to touch it"
  fi
  # 1. containers, through their engines (parallel; a restart policy won't revive them)
  for sock in "$LAB_DIR"/h*/docker.sock; do
    [[ -S "$sock" ]] || continue
    docker_kill_all "$sock" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done

  # 2. daemons from pid files: services and dockerd first, containerd last
  # shellcheck disable=SC2046
  terminate 15 $(pidfile_pids '*-sshd.pid') $(pidfile_pids '*-nginx.pid') \
    $(pidfile_pids '*-dnsmasq.pid') $(pidfile_pids '*-dockerd*.pid')
  # shellcheck disable=SC2046
  terminate 10 $(pidfile_pids '*-containerd.pid')

  # 3. anything left in the containers' cgroups (engine was dead or wedged)
  local cg
  for cg in $(lab_cgroups); do
    # shellcheck disable=SC2046
    kill -KILL $(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null) 2>/dev/null || true
  done

  # 4. anything still inside a lab namespace (containerd-shims, sessions, ...)
  local ns
  for ns in $(lab_netns_list); do
    # shellcheck disable=SC2046
    terminate 5 $(ip netns pids "$ns" 2>/dev/null)
  done

  # 5. anything else running from the lab directory
  # shellcheck disable=SC2046
  terminate 5 $(lab_dir_pids)

  # 6. mounts under the lab directory (overlay layers, netns bind mounts, uts ns files)
  local pass t
  for pass in 1 2 3; do
    [[ -n "$(lab_mounts)" ]] || break
    while read -r t; do
      [[ -n "$t" ]] && umount -l "$t" 2>/dev/null || true
    done < <(lab_mounts | sort -r)
  done

  # 7. namespaces, links, route, firewall rules
  net_down

  # 8. the containers' parent cgroups (/fdlab-hK, swarm.sh's /fdlab-sK, in every hierarchy)
  for cg in $(lab_cgroups); do
    find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done

  # 9. the directory itself
  if [[ -d "$LAB_DIR" ]]; then
    rm -rf --one-file-system "$LAB_DIR" 2>/dev/null || warn "cannot remove $LAB_DIR completely"
  fi
  log "cleanup done in $((SECONDS - started))s"
}

# Fails (listing what is left) unless every trace of the lab is gone.
lab_verify_clean() {
  local left=() x
  x="$(lab_netns_list)" && [[ -z "$x" ]] || left+=("netns: $x")
  x="$(lab_links)" && [[ -z "$x" ]] || left+=("links: $x")
  x="$(lab_dir_pids)" && [[ -z "$x" ]] || left+=("processes: $x")
  x="$(lab_mounts)" && [[ -z "$x" ]] || left+=("mounts: $x")
  for ipt in $(iptables_cmds); do
    x="$(lab_iptables_rules "$ipt")" && [[ -z "$x" ]] || left+=("$ipt rules: $x")
  done
  x="$(ip route show proto "$ROUTE_PROTO" 2>/dev/null)" && [[ -z "$x" ]] || left+=("routes: $x")
  x="$(lab_cgroups)" && [[ -z "$x" ]] || left+=("cgroups: $x")
  [[ ! -e "$LAB_DIR" ]] || left+=("directory: $LAB_DIR")
  if ((${#left[@]} > 0)); then
    printf '[lab] left behind: %s\n' "${left[@]}" >&2
    return 1
  fi
}
