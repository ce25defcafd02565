#!/bin/sh
# The image's `ferry`: runs ferry's CLI from /app with the packages installed at build time.
# `ferry serve` gets the container's defaults first (the user's own flags, given after, win):
# listen on every interface at $PORT, and serve /mnt/models when that folder is mounted.
set -eu
[ "$#" -eq 0 ] && set -- serve
if [ "$1" = serve ]; then
  shift
  if [ -d /mnt/models ]; then
    set -- --model /mnt/models "$@"
  fi
  set -- serve --host 0.0.0.0 --port "${PORT:-8080}" "$@"
fi
# --cached-only: the container never fetches code; --v8-flags as `deno task classify` sets them.
exec deno run -A --cached-only --v8-flags=--max-semi-space-size=4 /app/src/cli/main.ts "$@"
