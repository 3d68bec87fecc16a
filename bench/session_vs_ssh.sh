#!/usr/bin/env bash
# Prints what a person waits for in a session on the node behind the jump host (h3),
# `fleetdeck ssh` next to OpenSSH, all measured in this run:
#   - a command: wall time of `fleetdeck ssh h3 -- true` with fresh connections (and with
#     a `fleetdeck master` running), `ssh -J h1 h3 true`, and `ssh h3 true` over an
#     already open ControlMaster connection;
#   - with a TTY (a real pty, as at a terminal): time to the first output of the remote
#     command, and the keystroke echo round trip (a byte written to the terminal until
#     the remote pty's echo of it is read back), median and 90th percentile.
# A measurement, not a test: it never fails on slow figures, only when a session does not
# do what it should. Every command is bounded with `timeout`.
#
#   FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json bench/session_vs_ssh.sh [runs] [echoes-per-run]
#
# Needs the lab up (tests/lab/lab.sh up), jq, python3, and a release build (it builds
# one). With FD_BENCH_ROWS=FILE it also appends its figures to FILE for bench/run.sh.
set -euo pipefail
RUNS="${1:-7}"
ECHOES="${2:-40}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
bench_needs jq python3 timeout
NODE="$(jq -r '[.hosts[] | select(.reachable_from_root | not)][0].name' "$LAB_JSON")"
JUMP="$(jq -r --arg n "$NODE" '.hosts[] | select(.name==$n) | .proxy_jump' "$LAB_JSON")"
[[ "$NODE" != null && "$JUMP" != null ]] || { echo "the lab has no host behind a jump host" >&2; exit 1; }

WORK="$(mktemp -d)"
CM="$WORK/cm-$NODE"
cleanup() {
  fdt master --stop >/dev/null 2>&1 || true
  timeout 10 ssh -F "$SSH_CONFIG" -S "$CM" -O exit "$NODE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# fdt ARGS...: fleetdeck (see fd in lib.sh), bounded.
fdt() { HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR= timeout 60 "$FLEETDECK" --config "$WORK/fleet.toml" "$@"; }
ssh_j() { timeout 60 ssh -F "$SSH_CONFIG" -J "$JUMP" "$@"; }
ssh_cm() { timeout 60 ssh -F "$SSH_CONFIG" -S "$CM" "$@"; }

bench_build
bench_fleet_config "$WORK" >"$WORK/fleet.toml"

# The sessions work before they are timed.
[[ "$(fdt ssh "$NODE" -- hostname </dev/null)" == "$NODE" ]] || { echo "fleetdeck ssh $NODE failed" >&2; exit 1; }
[[ "$(ssh_j "$NODE" hostname </dev/null)" == "$NODE" ]] || { echo "ssh -J $JUMP $NODE failed" >&2; exit 1; }
timeout 30 ssh -F "$SSH_CONFIG" -o ControlMaster=yes -o ControlPersist=600 -S "$CM" -fN "$NODE"
[[ "$(ssh_cm "$NODE" hostname </dev/null)" == "$NODE" ]] || { echo "ssh over the ControlMaster failed" >&2; exit 1; }

fd_true() { fdt ssh "$NODE" -- true </dev/null; }
ssh_j_true() { ssh_j "$NODE" true </dev/null; }
ssh_cm_true() { ssh_cm "$NODE" true </dev/null; }
T_FD="$(time_runs "$RUNS" fd_true)"
T_SSH="$(time_runs "$RUNS" ssh_j_true)"
T_CM="$(time_runs "$RUNS" ssh_cm_true)"
fdt master 2>"$WORK/master.err" &
wait_for 30 "the master serving" grep -q "serving on" "$WORK/master.err"
T_FD_MASTER="$(time_runs "$RUNS" fd_true)"
fdt master --stop >/dev/null

# The TTY figures: a client in a pty (80x24) runs `echo READY; exec cat` on the node; the
# time to READY is the time to first output; then each byte typed comes back as the
# remote pty's echo. Ctrl-D ends cat and the session.
cat >"$WORK/echo_rtt.py" <<'EOF'
import fcntl, os, pty, select, signal, statistics, struct, sys, termios, time

runs, echoes = int(sys.argv[1]), int(sys.argv[2])
argv = sys.argv[3:]
READY = b"fdbench-ready"

def read_until(fd, pat, limit, what):
    buf, deadline = b"", time.monotonic() + limit
    while pat not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit(f"echo_rtt: no {what} within {limit}s from {argv[0]}: {buf[-300:]!r}")
        if select.select([fd], [], [], left)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                sys.exit(f"echo_rtt: {argv[0]} ended before {what}: {buf[-300:]!r}")
            buf += data
    return buf

ready, rtts = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.environ["TERM"] = "xterm-256color"
        os.execvp(argv[0], argv)
    read_until(fd, READY, 30, "first output")
    ready.append((time.perf_counter() - t0) * 1000)
    for i in range(echoes):
        ch = bytes([ord("a") + i % 26])
        t = time.perf_counter()
        os.write(fd, ch)
        read_until(fd, ch, 10, f"echo of {ch!r}")
        rtts.append((time.perf_counter() - t) * 1000)
    os.write(fd, b"\r\x04")
    deadline = time.monotonic() + 10
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.exit(f"echo_rtt: {argv[0]} did not end after Ctrl-D")
        try:
            if select.select([fd], [], [], 0.05)[0]:
                os.read(fd, 65536)
        except OSError:
            pass
    os.close(fd)

rtts.sort()
p90 = rtts[min(len(rtts) - 1, int(len(rtts) * 0.9))]
print(f"{statistics.median(ready):.0f} {statistics.median(rtts):.2f} {p90:.2f}")
EOF
remote='echo fdbench-ready; exec cat'
echo_rtt() { timeout 300 python3 "$WORK/echo_rtt.py" "$RUNS" "$ECHOES" "$@"; }
read -r R_FD E_FD P_FD < <(echo_rtt env HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR= \
  "$FLEETDECK" --config "$WORK/fleet.toml" ssh "$NODE" -- "$remote")
fdt master 2>"$WORK/master2.err" &
wait_for 30 "the master serving" grep -q "serving on" "$WORK/master2.err"
read -r R_FDM E_FDM P_FDM < <(echo_rtt env HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_RUNTIME_DIR= \
  "$FLEETDECK" --config "$WORK/fleet.toml" ssh "$NODE" -- "$remote")
fdt master --stop >/dev/null
read -r R_SSH E_SSH P_SSH < <(echo_rtt ssh -tt -F "$SSH_CONFIG" -J "$JUMP" "$NODE" "$remote")
read -r R_CM E_CM P_CM < <(echo_rtt ssh -tt -F "$SSH_CONFIG" -S "$CM" "$NODE" "$remote")
[[ -n "$E_FD" && -n "$E_FDM" && -n "$E_SSH" && -n "$E_CM" ]] || { echo "an echo measurement failed" >&2; exit 1; }

echo
echo "sessions on $NODE (behind $JUMP), median of $RUNS runs; echo: $RUNS x $ECHOES keystrokes"
echo "| figure | fleetdeck ssh | ssh -J $JUMP (fresh) | ssh over an open ControlMaster |"
echo "|---|---|---|---|"
echo "| \`$NODE -- true\`, wall time (no TTY) | ${T_FD} ms (${T_FD_MASTER} ms with a fleetdeck master running) | ${T_SSH} ms | ${T_CM} ms |"
echo "| with a TTY: time to the first output (the prompt) | ${R_FD} ms (${R_FDM} ms through a master) | ${R_SSH} ms | ${R_CM} ms |"
echo "| keystroke echo round trip, median | ${E_FD} ms (${E_FDM} ms through a master) | ${E_SSH} ms | ${E_CM} ms |"
echo "| keystroke echo round trip, 90th percentile | ${P_FD} ms (${P_FDM} ms through a master) | ${P_SSH} ms | ${P_CM} ms |"
bench_row "ssh $NODE -- true (behind $JUMP), fresh connections" "${T_FD} ms (master running: ${T_FD_MASTER} ms)" "ssh -J ${T_SSH} ms; ControlMaster already open ${T_CM} ms" "faster than ssh -J; beat ControlMaster through the master"
bench_row "ssh $NODE with a TTY: time to first output (the prompt)" "${R_FD} ms (through a master: ${R_FDM} ms)" "ssh -tt -J ${R_SSH} ms; ControlMaster ${R_CM} ms" "faster than ssh -J; beat ControlMaster through the master"
bench_row "keystroke echo round trip in a TTY session on $NODE (median / p90)" "${E_FD} / ${P_FD} ms" "ssh -J ${E_SSH} / ${P_SSH} ms; ControlMaster ${E_CM} / ${P_CM} ms" "no slower than OpenSSH"
