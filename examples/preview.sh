#!/usr/bin/env bash
# Build the example course into a Jupyter image and start a preview of it, printing the URL to open
# (Ctrl-C stops it).
#
#   bash examples/preview.sh            # token login (the URL printed carries the token)
#   PASSWORD=... bash examples/preview.sh  # password login instead (the password is never printed)
#   PORT=8888 bash examples/preview.sh  # a fixed port instead of a free one
#
# The builder is made from quay.io/jupyter/minimal-notebook; where no registry is reachable (as on
# the machines this project is tested on) it is made from the local stand-in of today's stack
# (JupyterLab 4, Notebook 7, jupyter_server 2) instead. BUILDER and IMAGE name the builder and the
# course image (default jupyter-minimal-notebook and tjs2i-example-course).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash .ci/engine.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
tjs2i() { node "$root/bin/tjs2i" "$@"; }

builder=${BUILDER:-jupyter-minimal-notebook}
image=${IMAGE:-tjs2i-example-course}
standin=tjs2i-fixture-today/minimal-notebook

# A builder made earlier from the 2016 stand-in (Notebook 6) is made again from today's.
made_from=$(docker image inspect --format '{{index .Config.Labels "io.tjs2i.builder.base"}}' "$builder" 2>/dev/null || true)
if [ -z "$made_from" ] || [ "$made_from" = tjs2i-fixture/minimal-notebook ]; then
  if ! tjs2i builder minimal-notebook --tag "$builder"; then
    echo "--> no registry reachable: making $builder from the local stand-in of today's stack"
    bash test/fixtures/standin-today/build.sh
    tjs2i builder minimal-notebook --from "$standin" --tag "$builder"
  fi
fi

tjs2i build examples/course "$builder" "$image"

# Serve it under an arbitrary UID with group 0, as OpenShift would: tjs2i run prints the URL to
# open, streams Jupyter's log, and on Ctrl-C stops and removes the container.
run_args=(--user "$((100000 + RANDOM)):0")
[ -n "${PORT:-}" ] && run_args+=(--port "$PORT")
[ -n "${PASSWORD:-}" ] && run_args+=(-e PASSWORD)   # the value stays in the environment
exec node "$root/bin/tjs2i" run "${run_args[@]}" "$image"
