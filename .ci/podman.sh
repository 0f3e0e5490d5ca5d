#!/usr/bin/env bash
# Podman's Docker-compatible API service for the tests' Podman pass: `podman.sh start` installs Podman
# (Debian's, as root) when missing, writes its own configuration (the machine's /etc/containers is left
# alone), starts `podman system service` on a socket of its own unless it answers already, copies the
# fixture images the pass needs from the Docker engine, and prints `DOCKER_HOST=unix://...` on stdout;
# `podman.sh stop` stops the service it started. Everything else goes to stderr.
set -euo pipefail
dir=${TJS2I_PODMAN_DIR:-/run/tjs2i-podman}
socket=$dir/podman.sock
log() { printf '[podman] %s\n' "$*" >&2; }

export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_REGISTRIES_CONF=$dir/registries.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf

configure() {
  mkdir -p "$dir"
  # This sandbox refuses raising RLIMIT_NOFILE/NPROC, which Podman does by default; no systemd, no journald.
  cat >"$dir/containers.conf" <<'CONF'
[containers]
default_ulimits = []
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
  # The push tests' local registry over plain http (Docker trusts 127.0.0.0/8 by itself, Podman does not).
  cat >"$dir/registries.conf" <<CONF
unqualified-search-registries = []
[[registry]]
location = "127.0.0.1:${TJS2I_TEST_REGISTRY_PORT:-5099}"
insecure = true
CONF
  # overlay pinned: a silent fallback to vfs would copy whole images per container.
  cat >"$dir/storage.conf" <<'CONF'
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
}

answers() { curl -sf --max-time 2 --unix-socket "$socket" http://d/_ping >/dev/null 2>&1; }

start() {
  if ! command -v podman >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { log "podman is missing: apt-get install podman (as root)"; exit 1; }
    log "installing podman"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null; }
  fi
  configure
  if ! answers; then
    log "starting podman system service on $socket"
    rm -f "$socket"
    # TMPDIR on disk: a load or an export writes a temporary copy of the whole image.
    TMPDIR=/var/tmp setsid podman system service --time=0 "unix://$socket" >"$dir/service.log" 2>&1 </dev/null &
    echo $! >"$dir/service.pid"
    for _ in $(seq 60); do answers && break; sleep 0.5; done
    answers || { log "podman system service did not answer:"; tail -n 20 "$dir/service.log" >&2; exit 1; }
  fi
  local name docker_id podman_id
  for name in "$@"; do
    docker_id=$(docker image inspect --format '{{.Id}}' "$name")
    podman_id=$(podman image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
    if [ "${docker_id#sha256:}" != "$podman_id" ]; then
      log "copying $name from the Docker engine"
      env -u DOCKER_HOST podman pull -q "docker-daemon:$name" >/dev/null
      # The copy it replaced, now untagged.
      podman image prune -f >/dev/null 2>&1 || true
    fi
  done
  echo "DOCKER_HOST=unix://$socket"
}

stop() {
  local pid
  pid=$(cat "$dir/service.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'podman system service'; then
    kill "$pid"
  fi
  rm -f "$dir/service.pid"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop ;;
  *) log "usage: podman.sh start [IMAGE...] | podman.sh stop"; exit 2 ;;
esac
