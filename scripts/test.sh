#!/usr/bin/env bash
# Runs every fleetdeck test on a Debian machine, as root:
#   1. installs the Debian packages the tests use (scripts/deps.sh, only the missing ones),
#   2. builds everything (cargo build --locked --all-targets),
#   3. brings the test lab up (tests/lab/lab.sh up; see tests/lab/README.md),
#   4. runs cargo test --locked [ARGS...] with FLEETDECK_LAB set,
#   5. always tears the lab down (also on failure or Ctrl-C).
# Exits with cargo test's status (non-zero also when a step before it fails or
# the lab cannot be cleaned up).
#
#   scripts/test.sh [cargo test args...]     e.g. scripts/test.sh --test lab_smoke
#
# The lab directory is ${FLEETDECK_LAB_DIR:-/tmp/fleetdeck-lab}; a lab already
# running there is torn down and rebuilt.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

LAB_SH="$REPO/tests/lab/lab.sh"
LAB_DIR="$(realpath -m -- "${FLEETDECK_LAB_DIR:-/tmp/fleetdeck-lab}")"

T_START=$SECONDS
PHASE_NAME=""
PHASE_START=$SECONDS
TIMINGS=()
LAB_STARTED=0
STATUS=0

say() { printf '\n==> [test.sh %ss] %s\n' "$((SECONDS - T_START))" "$*" >&2; }
die() {
  printf '\n[test.sh] ERROR: %s\n' "$*" >&2
  exit 1
}
# Start a named step (and record how long the previous one took).
phase() {
  end_phase
  PHASE_NAME="$1"
  PHASE_START=$SECONDS
  say "$1"
}
end_phase() {
  [[ -z "$PHASE_NAME" ]] || TIMINGS+=("$(printf '%5ss  %s' "$((SECONDS - PHASE_START))" "$PHASE_NAME")")
  PHASE_NAME=""
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if ((LAB_STARTED)); then
    phase "tearing the lab down"
    if ! "$LAB_SH" down; then
      printf '[test.sh] ERROR: lab teardown failed: things are left behind (see above)\n' >&2
      ((rc != 0)) || rc=1
    fi
  fi
  end_phase
  printf '\n[test.sh] timings:\n' >&2
  printf '  %s\n' "${TIMINGS[@]}" >&2
  if ((rc == 0)); then
    say "all tests passed; total time $((SECONDS - T_START))s"
  else
    say "FAILED (exit status $rc); total time $((SECONDS - T_START))s"
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ "$(id -u)" == 0 ]] || die "run as root: the tests build network namespaces, bridges and daemons"

phase "checking Debian packages"
"$REPO/scripts/deps.sh"

phase "checking the Rust toolchain"
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 ||
  die "the Rust toolchain is missing: no 'cargo' in PATH or ~/.cargo/bin. Install it (e.g. rustup, https://rustup.rs: stable toolchain with clippy and rustfmt), then rerun."
cargo --version >&2
rustc --version >&2 || die "rustc is missing or broken: reinstall the Rust toolchain"

phase "building (cargo build --locked --all-targets)"
cargo build --locked --all-targets

phase "bringing the lab up"
LAB_STARTED=1
"$LAB_SH" up
export FLEETDECK_LAB="$LAB_DIR/lab.json"
[[ -f "$FLEETDECK_LAB" ]] || die "lab.sh up finished but $FLEETDECK_LAB does not exist"

phase "running the tests (cargo test --locked $*)"
cargo test --locked "$@" || STATUS=$?
end_phase
say "cargo test finished with status $STATUS"
exit "$STATUS"
