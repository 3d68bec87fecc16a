# fleetdeck-watch 1: the node watcher (ARCHITECTURE.md "Watching a node").
# Started once per connection; prints a record only when a fact changed, and a heartbeat
# (uptime, load) every B ticks. Each tick reads small /proc and /sys files with shell
# builtins only: a process is forked only when a fact changed (to print it with the same
# command a poll runs), every R ticks as a safety net, and, in a shell without `read -t`
# (dash), for `sleep`. Not /proc/net/tcp: reading it walks every socket of the machine
# (milliseconds on a busy one); the namespace's TCP socket counts say when to ask `ss`.
# Record: "\036FDW NAME\n" BODY "\n\036FDW end STATUS\n".
T=5 B=2 R=60 N=sleep
nap() { sleep "$T"; }
if read -t 0 _z </dev/null 2>/dev/null || [ $? -ne 2 ]; then
  # Sleep on the channel's stdin, which fleetdeck never writes: it ends (EOF, no time
  # passed) when fleetdeck or its connection goes, and the watcher with it.
  nap() {
    read -r _u _z </proc/uptime
    read -t "$T" _z
    read -r _v _z </proc/uptime
    [ $((${_v%%.*} - ${_u%%.*})) -ge 1 ]
  }
  N=read
fi
rec() { printf '\036FDW %s\n' "$1"; }
end() { printf '\n\036FDW end %s\n' "$1"; }
# text FILE: sets $c to the file's lines and $cs to 0, or $cs to 1 when unreadable.
text() {
  c= cs=1
  [ -r "$1" ] || return 0
  cs=0
  while IFS= read -r l || [ -n "$l" ]; do c="$c$l
"; done <"$1"
}
links() {
  s=
  for d in /sys/class/net/*; do
    read -r o <"$d/operstate" || o=?
    s="$s ${d##*/}:$o"
    [ -d "$d/brif" ] || continue
    for p in "$d"/brif/*; do s="$s<${p##*/}"; done
  done
}
# Routes (a new subnet) and IPv6 addresses; an IPv4 address added in a subnet the
# node already has waits for the safety net.
addrs() {
  text /proc/net/route
  a=$c
  text /proc/net/if_inet6
  a="$a|$c"
}
sockets() {
  l=
  for f in /proc/net/sockstat /proc/net/sockstat6; do
    [ -r "$f" ] || continue
    while read -r k _z n _z; do [ "$k" != TCP: ] && [ "$k" != TCP6: ] || l="$l $n"; done <"$f"
  done
}
rec hello
printf 'fleetdeck-watch 1 tick=%s beat=%s nap=%s' "$T" "$B" "$N"
end 0
rec kernel
uname -srm 2>/dev/null
end $?
text /etc/os-release
rec os
printf '%s' "$c"
end $cs
H=/ L=/ A=/ P=/ C=/ i=0
while :; do
  read -r h </proc/sys/kernel/hostname
  if [ "$h" != "$H" ]; then
    H=$h
    rec hostname
    printf '%s\n' "$h"
    end 0
  fi
  links
  addrs
  [ $((i % R)) != 0 ] || L=/
  if [ "$s" != "$L" ] || [ "$a" != "$A" ]; then
    L=$s A=$a
    rec links
    ip -j -d link show 2>/dev/null
    end $?
    rec addrs
    ip -j addr show 2>/dev/null
    end $?
  fi
  sockets
  [ $((i % R)) != 0 ] || P=/
  if [ "$l" != "$P" ]; then
    P=$l
    rec listening
    ss -H -tln 2>/dev/null
    end $?
  fi
  text .ssh/config
  if [ "$cs$c" != "$C" ]; then
    C=$cs$c
    rec sshcfg
    printf '%s' "$c"
    end $cs
  fi
  if [ $((i % B)) = 0 ]; then
    read -r u </proc/uptime
    read -r v </proc/loadavg
    rec beat
    printf '%s\n%s\n' "$u" "$v"
    end 0
  fi
  i=$((i + 1))
  nap || exit 0
done
