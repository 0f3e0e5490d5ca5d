#!/usr/bin/env bash
# Before the tests: make sure an engine answers and the fixture images exist. On a machine where
# that is impossible (no root, no engine) the integration tests skip, unless TJS2I_REQUIRE_DOCKER=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# A Debian package the tests need for a command: installed when missing and this is root; else said
# (and fatal with TJS2I_REQUIRE_DOCKER=1, where nothing may be skipped).
need_package() { # command package why
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "$1 is missing: apt-get install $2 (as root)" >&2
    [ "${TJS2I_REQUIRE_DOCKER:-}" = 1 ] && exit 1
    return 0
  fi
  echo "installing $2 for $3" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
}
# Debian's Go for the layer rewriter's differential unit tests, which read layers with Go's
# archive/tar (the engine's reader); they run with or without an engine.
need_package go golang-go "the differential tar tests"
if ! bash "$here/../.ci/engine.sh"; then
  [ "${TJS2I_REQUIRE_DOCKER:-}" = 1 ] && { echo "no Docker engine, and TJS2I_REQUIRE_DOCKER=1" >&2; exit 1; }
  echo "no Docker engine: the integration tests will be skipped" >&2
  exit 0
fi
bash "$here/fixtures/standin/build.sh" || exit
# Today's stacks (JupyterLab 4, Notebook 7, jupyter_server 2): the second family of stand-ins.
bash "$here/fixtures/standin-today/build.sh" || exit
# JupyterHub 5 with a Docker spawner, from today's stand-in (jupyterhub.test.ts).
bash "$here/fixtures/jupyterhub/build.sh" || exit
# The Node base of the tjs2i image (container-image.test.ts), from the Debian fixture.
bash "$here/fixtures/node/build.sh" || exit
# Debian's Chromium for the browser tests (browser.test.ts): playwright-core drives the system's
# browser and never downloads one.
[ -n "${TJS2I_CHROMIUM:-}" ] || need_package chromium chromium "the browser tests"
# Debian's buildah: a builder context (stacks/<stack>/) built without an engine (stack-contexts.test.ts).
need_package buildah buildah "the daemonless builder builds"
