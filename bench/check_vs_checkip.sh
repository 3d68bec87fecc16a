#!/usr/bin/env bash
# Times `fleetdeck check --json` on 300 sites over the 3 lab hosts against the way the
# original checkIP.sh worked: one `ssh host docker inspect ...` per site, in turn. Prints
# both times and the ratio. A measurement, not a test: it never fails on slow figures,
# only when either side does not see the 300 sites as they are.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/check_vs_checkip.sh [sites] [runs]
#
# Needs the lab up (tests/lab/lab.sh up), jq and sqlite3; builds a release fleetdeck.
# Everything it creates is named fdtc-… (VLANs 137-139, 10.90.137-139.0/24) and removed
# on exit, including its lines in the lab's dnsmasq hosts file.
set -euo pipefail
SITES="${1:-300}"
RUNS="${2:-5}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
bench_needs sqlite3 busybox
DNS_HOSTS="$(jq -r '.hosts[] | select(.dns) | .dns.hosts_file' "$LAB_JSON")"
DNS_PID="$(jq -r '.hosts[] | select(.dns) | .dns.pid_file' "$LAB_JSON")"
DNS_SERVER="$(jq -r '.hosts[] | select(.dns) | .dns.server' "$LAB_JSON")"
NGINX_PREFIX="$(jq -r '.hosts[] | select(.nginx) | .nginx.prefix' "$LAB_JSON")"
PROXY_FILE="${NGINX_PREFIX%/}/fdtc-bench.conf"
((${#HOSTS[@]} == 3)) || { echo "this bench wants a lab of 3 hosts" >&2; exit 2; }
VLANS=(137 138 139)
WORK="$(mktemp -d)"

domain() { echo "fdtc-bench-$1.lab"; }
host_of() { echo "${HOSTS[$(($1 % 3))]}"; }
vlan_of() { echo "${VLANS[$(($1 % 3))]}"; }
ip_of() { echo "10.90.$(vlan_of "$1").$((10 + $1 / 3))"; }

dns_drop_ours() {
  # Only our own lines; other engineers' tests share this file.
  local tmp
  tmp="$(grep -v ' fdtc-bench-[0-9]*\.lab$' "$DNS_HOSTS" || true)"
  printf '%s\n' "$tmp" >"$DNS_HOSTS"
  kill -HUP "$(cat "$DNS_PID")"
}

host_cleanup() { # host vlan: its bench containers one at a time, then the network
  local h="$1" v="$2" id
  # One at a time: `docker rm -f` of many ids removes them concurrently, and dockerd 20.10
  # can then lose count of the network's endpoints and refuse to remove it for good.
  for id in $(dk "$h" ps -aq --filter label=fdtc.bench=1); do dk "$h" rm -f "$id" >/dev/null; done
  dk "$h" network rm "fdtc$v" >/dev/null 2>&1 ||
    echo "note: network fdtc$v on $h not removed ($(dk "$h" network rm "fdtc$v" 2>&1 | tail -1))" >&2
}

cleanup() {
  local i
  for ((i = 0; i < 3; i++)); do host_cleanup "${HOSTS[$i]}" "${VLANS[$i]}" & done
  wait
  dns_drop_ours
  rm -f "$PROXY_FILE"
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup_on_start() { # leftovers of an interrupted run
  local i
  for ((i = 0; i < 3; i++)); do host_cleanup "${HOSTS[$i]}" "${VLANS[$i]}" 2>/dev/null & done
  wait
}
cleanup_on_start

bench_build

echo "creating $SITES sites over ${HOSTS[*]}..." >&2
{
  bench_fleet_config "$WORK"
  for ((i = 0; i < 3; i++)); do
    v="${VLANS[$i]}"
    printf '[[vlan]]\nid = %s\nnode = "%s"\nsubnet = "10.90.%s.0/24"\ngateway = "10.90.%s.1"\nbridge = "fdtc%s"\nnetwork = "fdtc%s"\n' \
      "$v" "${HOSTS[$i]}" "$v" "$v" "$v" "$v"
  done
  printf '[dns]\nservers = ["%s"]\nexpect = "%s"\n' "$DNS_SERVER" "$DNS_SERVER"
  printf '[proxy]\nnode = "h1"\npath = "%s"\n' "$PROXY_FILE"
} >"$WORK/fleet.toml"

net_ready() { # host vlan: create the VLAN network, or reuse one left with the same subnet
  local h="$1" v="$2" subnet
  subnet="$(dk "$h" network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "fdtc$v" 2>/dev/null || true)"
  [[ "$subnet" == "10.90.$v.0/24" ]] && return 0
  dk "$h" network create --driver bridge --subnet "10.90.$v.0/24" --gateway "10.90.$v.1" \
    -o "com.docker.network.bridge.name=fdtc$v" "fdtc$v" >/dev/null
}
run_one() { # index
  local n="$1" d out
  d="$(domain "$n")"
  # h1's dockerd runs with --ip-forward=false and says so on every run: keep only real errors.
  out="$(dk "$(host_of "$n")" run -d --name "fd-$d" --network "fdtc$(vlan_of "$n")" --ip "$(ip_of "$n")" \
    --label fdtc.bench=1 --label "fleetdeck.domain=$d" --label fleetdeck.login=bench \
    --label "fleetdeck.vlan=$(vlan_of "$n")" "$IMAGE" 2>&1)" || { echo "$out" >&2; return 1; }
}
# One host at a time per network, the hosts in parallel: dockerd 20.10 can lose count of a
# network's endpoints when containers join it concurrently, and then refuses to remove it.
pids=()
for ((i = 0; i < 3; i++)); do
  (
    net_ready "${HOSTS[$i]}" "${VLANS[$i]}"
    for ((n = i; n < SITES; n += 3)); do run_one "$n"; done
  ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

# The inventory as the original scripts kept it, brought in the supported way.
{
  echo "CREATE TABLE users(login varchar(10), vlan int, docker_ip varchar(15), domain varchar(50) primary key);"
  echo "BEGIN;"
  for ((n = 0; n < SITES; n++)); do
    echo "INSERT INTO users VALUES ('bench', $(vlan_of "$n"), '$(ip_of "$n")', '$(domain "$n")');"
  done
  echo "COMMIT;"
} | sqlite3 "$WORK/projet.db"
fd inventory import-legacy "$WORK/projet.db" >/dev/null

# DNS records and proxy rules that agree, so the check has every part to do.
for ((n = 0; n < SITES; n++)); do echo "$DNS_SERVER $(domain "$n")"; done >>"$DNS_HOSTS"
kill -HUP "$(cat "$DNS_PID")"
for ((n = 0; n < SITES; n++)); do
  printf 'server {\n    listen 80;\n    server_name %s;\n    location / {\n        proxy_pass http://%s:80;\n    }\n}\n' \
    "$(domain "$n")" "$(ip_of "$n")"
done >"$PROXY_FILE"
wait_for 30 "dnsmasq answering for the bench's names" busybox nslookup "$(domain $((SITES - 1)))" "$DNS_SERVER"

summary="$(fd check --json | jq -c .summary)" || { echo "fleetdeck check is not clean: $summary" >&2; exit 1; }
[[ "$summary" == "{\"sites\":$SITES,\"ok\":$SITES,\"problems\":0,\"unreachable\":0}" ]] ||
  { echo "unexpected summary $summary" >&2; exit 1; }

# checkIP.sh: for every row, fetch the live IP of the domain's container, compare.
checkip_loop() {
  local n d want got bad=0
  for ((n = 0; n < SITES; n++)); do
    d="$(domain "$n")"
    want="$(ip_of "$n")"
    got="$(ssh -F "$SSH_CONFIG" "$(host_of "$n")" \
      "docker inspect -f '{{(index .NetworkSettings.Networks \"fdtc$(vlan_of "$n")\").IPAddress}}' fd-$d")"
    [[ "$got" == "$want" ]] || { echo "$d: $got != $want" >&2; bad=$((bad + 1)); }
  done
  return "$bad"
}

T_FD="$(time_runs "$RUNS" fd check --json)"
echo "checkIP.sh-style loop ($SITES ssh calls, one run)..." >&2
t0=$(ns_now)
checkip_loop || { echo "the checkIP loop saw mismatches" >&2; exit 1; }
t1=$(ns_now)
T_LOOP=$(((t1 - t0) / 1000000))

echo
echo "lab: ${#HOSTS[@]} hosts, $SITES sites ($((SITES / 3)) per host, h3 behind h1)"
echo "| run | wall time |"
echo "|---|---|"
echo "| fleetdeck check --json (containers, DNS, proxy; median of $RUNS) | ${T_FD} ms |"
echo "| checkIP.sh style: ssh \$host docker inspect per site, in turn (IPs only) | ${T_LOOP} ms |"
awk -v a="$T_LOOP" -v b="$T_FD" 'BEGIN { printf "ratio: %.1fx\n", a / b }'
ratio="$(awk -v a="$T_LOOP" -v b="$T_FD" 'BEGIN { printf "%.0f", a / b }')"
bench_row "check --json, $SITES sites over 3 hosts" "${T_FD} ms" "checkIP.sh loop ${T_LOOP} ms (${ratio}x)" ">= 30x faster"
