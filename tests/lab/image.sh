# shellcheck shell=bash
# The lab's test image, fdlab/busybox:latest. No registry is reachable, so it is
# built from busybox-static and loaded with `docker import` (never `docker pull`).
#
# Contents: /bin/busybox with a symlink per applet, minimal /etc, /www, and the
# entrypoint /bin/fdlab-start (CMD). fdlab-start writes /www/index.html, then
# serves /www with busybox httpd on port 80:
#   - the page is the container's hostname plus a newline (Docker's default
#     hostname is the 12-hex short id; --hostname overrides it), so a GET tells
#     which container answered;
#   - env FDLAB_PAGE replaces the page text, FDLAB_PORT the port (default 80).
# A shell script is PID 1 (not httpd) so SIGTERM stops the container at once:
# a PID 1 without a handler ignores SIGTERM and `docker stop` would wait 10 s.

image_build_rootfs() {
  local r="$LAB_DIR/image/rootfs" bb a
  bb="$(command -v busybox)" || die "busybox not found (install busybox-static)"
  if ldd "$bb" >/dev/null 2>&1; then
    die "$bb is dynamically linked; the test image needs busybox-static"
  fi
  mkdir -p "$r"/{bin,etc,www,tmp,root,proc,sys,dev,var/log}
  chmod 1777 "$r/tmp"
  cp "$bb" "$r/bin/busybox"
  for a in $("$bb" --list); do
    [[ "$a" == busybox ]] || ln -sf busybox "$r/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  cat >"$r/bin/fdlab-start" <<'EOF'
#!/bin/sh
# fdlab test image entrypoint (see tests/lab/image.sh)
printf '%s\n' "${FDLAB_PAGE:-$(hostname)}" > /www/index.html
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
/bin/httpd -f -p "${FDLAB_PORT:-80}" -h /www &
pid=$!
wait "$pid"
EOF
  chmod 755 "$r/bin/fdlab-start"
  tar -C "$r" --numeric-owner --owner=0 --group=0 -cf "$LAB_DIR/image/rootfs.tar" . ||
    die "cannot pack the test image rootfs"
}

image_import() {
  local k="$1" out
  out="$(timeout 120 "$(docker_cli)" -H "unix://$(host_dir "$k")/docker.sock" import \
    -c 'CMD ["/bin/fdlab-start"]' -c 'EXPOSE 80' -c 'WORKDIR /' \
    -m "fdlab test image (busybox-static)" \
    "$LAB_DIR/image/rootfs.tar" "$IMAGE" 2>&1)" ||
    die "docker import of $IMAGE into $(host_name "$k") failed: $out"
}

# Import into every engine in parallel; fail if any import fails.
image_import_all() {
  local k pids=() failed=0
  for ((k = 1; k <= HOSTS; k++)); do
    image_import "$k" &
    pids+=($!)
  done
  for k in "${!pids[@]}"; do
    wait "${pids[$k]}" || failed=1
  done
  ((failed == 0)) || die "importing the test image failed (see above)"
}
