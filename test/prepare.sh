#!/usr/bin/env bash
# Before the tests: make sure an engine answers and the fixture images exist. On a machine where
# that is impossible (no root, no engine) the integration tests skip, unless TJS2I_REQUIRE_DOCKER=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Debian's Go for the layer rewriter's differential unit tests, which read layers with Go's
# archive/tar (the engine's reader); they run with or without an engine.
if ! command -v go >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "go is missing: apt-get install golang-go (as root)" >&2
    [ "${TJS2I_REQUIRE_DOCKER:-}" = 1 ] && exit 1
  else
    echo "installing golang-go for the differential tar tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null; }
  fi
fi
if ! bash "$here/../.ci/engine.sh"; then
  [ "${TJS2I_REQUIRE_DOCKER:-}" = 1 ] && { echo "no Docker engine, and TJS2I_REQUIRE_DOCKER=1" >&2; exit 1; }
  echo "no Docker engine: the integration tests will be skipped" >&2
  exit 0
fi
bash "$here/fixtures/standin/build.sh" || exit
# Today's stacks (JupyterLab 4, Notebook 7, jupyter_server 2): the second family of stand-ins.
bash "$here/fixtures/standin-today/build.sh" || exit
# The Node base of the tjs2i image (container-image.test.ts), from the Debian fixture.
bash "$here/fixtures/node/build.sh" || exit
# Debian's Chromium for the browser tests (browser.test.ts): playwright-core drives the system's
# browser and never downloads one.
if [ -z "${TJS2I_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium is missing: apt-get install chromium (as root), or set TJS2I_CHROMIUM" >&2
    [ "${TJS2I_REQUIRE_DOCKER:-}" = 1 ] && exit 1
  else
    echo "installing chromium for the browser tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
  fi
fi
