#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine: install Debian's docker.io (and git, git-lfs,
# and docker-registry for the pull tests) when missing, start dockerd when nothing answers, wait for it.
# Idempotent: does nothing when an engine already answers and the tools are there.
set -euo pipefail

log() { printf '[engine] %s\n' "$*" >&2; }

need=()
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v git >/dev/null 2>&1 || need+=(git)
command -v git-lfs >/dev/null 2>&1 || need+=(git-lfs)
# The registry the pull and push tests start on 127.0.0.1 (there is no other registry here).
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || need+=(docker-registry)
# htpasswd -B (bcrypt, the only hash distribution reads) for the push tests' registry with basic auth.
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing ${need[*]}: install them (apt-get install ${need[*]}) or run this as root"
    exit 1
  fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  log "engine answers: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  log "DOCKER_HOST=${DOCKER_HOST} is set but no engine answers there; unset it to use a local dockerd"
  exit 1
fi

# A dockerd that was killed (as at the end of a session) leaves its pid file behind, and a new one
# refuses to start while it is there.
for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -z "$pid" ] || ! grep -qs -e dockerd -e containerd "/proc/$pid/cmdline"; then
      log "removing stale $pidfile"
      rm -f "$pidfile"
    fi
  fi
done

logfile=${TJS2I_DOCKERD_LOG:-/var/log/tjs2i-dockerd.log}
log "starting dockerd (log: $logfile)"
# setsid: dockerd must outlive this script and not receive the terminal's Ctrl-C.
setsid dockerd --host=unix:///var/run/docker.sock >"$logfile" 2>&1 < /dev/null &
dockerd_pid=$!
for _ in $(seq 1 60); do
  if ! kill -0 "$dockerd_pid" 2>/dev/null; then
    log "dockerd exited; last lines of $logfile:"
    tail -n 20 "$logfile" >&2 || true
    exit 1
  fi
  if docker info >/dev/null 2>&1; then
    log "engine answers: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last lines of $logfile:"
tail -n 20 "$logfile" >&2 || true
exit 1
