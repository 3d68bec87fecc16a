# shellcheck shell=bash
# Lab networking: namespaces, bridges, veths, firewall exceptions.
#
#   root ns ── fdlab-br0 (10.77.0.254/24) ── h1 eth0 10.77.0.1, h2 eth0 10.77.0.2, ...
#              fdlab-br1 (no address)     ── h1 eth1 10.78.0.1, hN eth1 10.78.0.N
#
# The last host is only on fdlab-br1: it is reachable only through h1 (jump host).
# Nothing routes between the bridges: the root namespace has no address on br1,
# and h1 has IP forwarding off (see docker.sh).

# iptables front-ends to patch: the default one, plus iptables-legacy when that is
# a different backend already in use by someone (a DROP in either one drops).
# /proc/net/ip_tables_names lists the legacy tables that exist; reading it does not
# create any (running iptables-legacy would). Its size reads as 0: test content.
iptables_cmds() {
  echo iptables
  if command -v iptables-legacy >/dev/null 2>&1 &&
    ! iptables -V 2>/dev/null | grep -q legacy &&
    grep -qx filter /proc/net/ip_tables_names 2>/dev/null; then
    echo iptables-legacy
  fi
}

net_up() {
  local k ns veth
  log "network: bridges $BR0 ($BR0_NET.0/24) and $BR1 ($BR1_NET.0/24), $HOSTS hosts"
  ip link add "$BR0" type bridge || die "cannot create bridge $BR0"
  ip addr add "$BR0_IP/24" dev "$BR0"
  ip link set "$BR0" up
  ip link add "$BR1" type bridge || die "cannot create bridge $BR1"
  ip link set "$BR1" up
  # The root namespace must never try to reach the isolated subnet through its
  # default route (that would send lab traffic to the real network).
  ip route add unreachable "$BR1_NET.0/24" proto "$ROUTE_PROTO" ||
    die "cannot add the unreachable route for $BR1_NET.0/24 (is that subnet in use on this machine?)"

  mkdir -p "$LAB_DIR/ns"
  for ((k = 1; k <= HOSTS; k++)); do
    ns="$(host_ns "$k")"
    ip netns add "$ns" || die "cannot create network namespace $ns"
    ip -n "$ns" link set lo up
    # A UTS namespace per host so `hostname` (and `docker info` Name) say hK.
    touch "$(host_uts "$k")"
    unshare --uts="$(host_uts "$k")" hostname "$(host_name "$k")" ||
      die "cannot create the UTS namespace for $(host_name "$k")"
    if host_on_br0 "$k"; then
      veth="fdlab-h$k-0"
      ip link add "$veth" type veth peer name eth0 netns "$ns" || die "cannot create veth $veth"
      ip link set "$veth" master "$BR0" up
      ip -n "$ns" addr add "$BR0_NET.$k/24" dev eth0
      ip -n "$ns" link set eth0 up
    fi
    if host_on_br1 "$k"; then
      veth="fdlab-h$k-1"
      ip link add "$veth" type veth peer name eth1 netns "$ns" || die "cannot create veth $veth"
      ip link set "$veth" master "$BR1" up
      ip -n "$ns" addr add "$BR1_NET.$k/24" dev eth1
      ip -n "$ns" link set eth1 up
    fi
  done

  # With br_netfilter, frames bridged between lab hosts traverse the root
  # namespace's FORWARD chain, which a root-namespace dockerd sets to DROP.
  local ipt br
  for ipt in $(iptables_cmds); do
    for br in "$BR0" "$BR1"; do
      "$ipt" -w -I FORWARD -i "$br" -o "$br" -m comment --comment "$LAB_PREFIX" -j ACCEPT ||
        die "$ipt: cannot add the FORWARD accept rule for $br"
    done
  done
}

# --- cleanup -------------------------------------------------------------------

net_down() {
  local ns link ipt rule
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-" || true); do
    ip netns del "$ns" 2>/dev/null || warn "cannot delete netns $ns"
  done
  for link in $(lab_links); do
    ip link del "$link" 2>/dev/null || true
  done
  if ip route show proto "$ROUTE_PROTO" 2>/dev/null | grep -q "$BR1_NET.0/24"; then
    ip route del unreachable "$BR1_NET.0/24" proto "$ROUTE_PROTO" 2>/dev/null || true
  fi
  for ipt in $(iptables_cmds); do
    while read -r rule; do
      [[ -n "$rule" ]] || continue
      local args
      read -ra args <<<"${rule/#-A /-D }"
      "$ipt" -w "${args[@]}" 2>/dev/null || warn "$ipt: cannot delete rule: $rule"
    done < <(lab_iptables_rules "$ipt")
  done
}

lab_links() {
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$LAB_PREFIX-" || true
}

lab_iptables_rules() {
  "$1" -w -S 2>/dev/null | grep -E -- "--comment \"?$LAB_PREFIX\"?( |$)" || true
}
