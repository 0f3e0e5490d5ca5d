#!/usr/bin/env bash
# Build the example course into a Jupyter image and start a preview of it, printing the URL to open.
#
#   bash examples/preview.sh            # token login (the URL printed carries the token)
#   PASSWORD=... bash examples/preview.sh  # password login instead (the password is never printed)
#   PORT=8888 bash examples/preview.sh  # a fixed port instead of a free one
#
# The builder is made from quay.io/jupyter/minimal-notebook; where no registry is reachable (as on
# the machines this project is tested on) it is made from the local stand-in fixture instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash .ci/engine.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
tjs2i() { node "$root/bin/tjs2i" "$@"; }

builder=jupyter-minimal-notebook
image=tjs2i-example-course
container=tjs2i-example-course-preview

if ! docker image inspect "$builder" >/dev/null 2>&1; then
  if ! tjs2i builder minimal-notebook; then
    echo "--> no registry reachable: making $builder from the local stand-in image"
    bash test/fixtures/standin/build.sh
    tjs2i builder minimal-notebook --from tjs2i-fixture/minimal-notebook
  fi
fi

tjs2i build examples/course "$builder" "$image"

docker rm -f "$container" >/dev/null 2>&1 || true
# Run as an arbitrary UID with group 0, as OpenShift would.
run_args=(-d --name "$container" --user "$((100000 + RANDOM)):0" -p "127.0.0.1:${PORT:-}:8888")
[ -n "${PASSWORD:-}" ] && run_args+=(-e PASSWORD)
docker run "${run_args[@]}" "$image" >/dev/null
port=$(docker port "$container" 8888/tcp | head -n 1 | sed 's/.*://')

for _ in $(seq 1 60); do
  logs=$(docker logs "$container" 2>&1)
  if grep -q 'is running at\|Jupyter Server .* is running' <<<"$logs"; then break; fi
  if [ "$(docker inspect --format '{{.State.Running}}' "$container")" != true ]; then
    echo "$logs" | tail -n 20 >&2
    echo "error: the preview container stopped; its last log lines are above" >&2
    exit 1
  fi
  sleep 0.5
done

token=$(grep -o 'token=[0-9a-f]*' <<<"$logs" | head -n 1 | cut -d= -f2 || true)
echo
if [ -n "$token" ]; then
  echo "Open: http://127.0.0.1:${port}/tree/work?token=${token}"
else
  echo "Open: http://127.0.0.1:${port}/tree/work (log in with your PASSWORD)"
fi
echo "Logs: docker logs -f $container    Stop: docker rm -f $container"
