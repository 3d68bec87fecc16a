#!/usr/bin/env bash
# Installs the Debian packages fleetdeck's tests (and, with --bench, its benchmarks) use,
# only the missing ones, as root. scripts/test.sh and bench/run.sh call it first, so both
# work on a fresh Debian machine.
#
#   scripts/deps.sh [--bench]
set -euo pipefail

# Debian packages used by the build, the lab and the tests.
PACKAGES=(
  ca-certificates gcc libc6-dev            # building the crate (cc-built C deps)
  openssh-server openssh-client            # lab sshd, ssh client in tests
  docker.io containerd runc                # lab engines
  nginx dnsmasq-base busybox-static        # lab services, test image
  iproute2 iptables curl procps util-linux # lab plumbing
  tmux sqlite3 openssl time                # UI tests, state db, TLS material, peak memory (GNU time)
  libvirt-clients lxc                      # parser live tests: virsh test driver, lxc-ls
  bash zsh fish groff-base man-db          # completion scripts and man page checks
)
case "${1:-}" in
--bench) PACKAGES+=(jq) ;; # the bench scripts read lab.json and tree JSON with it
"") ;;
*)
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac

die() {
  printf '[deps.sh] ERROR: %s\n' "$*" >&2
  exit 1
}

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "all ${#PACKAGES[@]} Debian packages present" >&2
  exit 0
fi
[[ "$(id -u)" == 0 ]] || die "missing packages ${missing[*]}: run as root to install them"
command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get (this script expects Debian)"
echo "installing: ${missing[*]}" >&2
# Keep package scripts from starting system daemons (dockerd, sshd, nginx): the lab runs
# its own, and a root-namespace dockerd would change the host's firewall. policy-rc.d is
# Debian's switch for that; only add a temporary one.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
rc=0
{
  DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
} || rc=$?
((own_policy == 0)) || rm -f "$policy"
((rc == 0)) || die "apt-get could not install: ${missing[*]}"
