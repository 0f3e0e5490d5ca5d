#!/usr/bin/env bash
# Before the tests: make sure an engine answers and the fixture images exist. On a machine where
# that is impossible (no root, no engine) the integration tests skip, unless TJS2I_REQUIRE_DOCKER=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! bash "$here/../.ci/engine.sh"; then
  [ "${TJS2I_REQUIRE_DOCKER:-}" = 1 ] && { echo "no Docker engine, and TJS2I_REQUIRE_DOCKER=1" >&2; exit 1; }
  echo "no Docker engine: the integration tests will be skipped" >&2
  exit 0
fi
bash "$here/fixtures/standin/build.sh" || exit
# Today's stacks (JupyterLab 4, Notebook 7, jupyter_server 2): the second family of stand-ins.
bash "$here/fixtures/standin-today/build.sh" || exit
# The Node base of the tjs2i image (container-image.test.ts), from the Debian fixture.
bash "$here/fixtures/node/build.sh"
