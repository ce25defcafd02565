#!/bin/sh
# The image's `ferry`: ferry's CLI from /app with the packages installed at build time. The
# container's defaults are FERRY_ variables, so that the operator's own variables and flags win
# (flag > variable > default): listen on every interface at $PORT (8080), and serve /mnt/models
# when that folder is mounted (KServe's storage initializer) instead of the shipped model.
set -eu
[ "$#" -eq 0 ] && set -- serve
export FERRY_HOST="${FERRY_HOST:-0.0.0.0}"
export FERRY_PORT="${FERRY_PORT:-${PORT:-8080}}"
if [ -d /mnt/models ] && [ -z "${FERRY_MODEL:-}" ]; then
  export FERRY_MODEL=/mnt/models
fi
# --cached-only: the container never fetches code; --unstable-net: FERRY_REUSE_PORT; --v8-flags as
# `deno task classify` sets them.
exec deno run -A --cached-only --unstable-net --v8-flags=--max-semi-space-size=4 \
  /app/src/cli/main.ts "$@"
