#!/usr/bin/env bash
# Side by side, one Node load generator: Colyseus 0.18 (patches sent at once after each move), a null
# relay of our protocol on our own stack, and the game server, in one run.
#
# usage (from the project root):  bench/peer/run.sh [GAMES] [SECONDS] [RATE]   (defaults 1000 15 1)
# env:   TARGETS   subset of: colyseus-immediate colyseus-default null-relay ours   (default: colyseus-immediate null-relay ours)
#        PROJECT   the project root (default: the current directory); `ours` runs `$PY -m gameserver` there
#        PY        python with the project installed (default: $PROJECT/.venv/bin/python)
#        OURS_ARGS extra arguments for `python -m gameserver` (e.g. "--db :memory:")
#        RESULTS   JSON-lines file the load generator appends to (default: results/<time>-g<GAMES>.jsonl in PEER_WORK)
#        PEER_WORK writable folder for node_modules and results (default: ~/.cache/peer-rig)
#        PORT_BASE first port to try (default 27500); every server listens on 127.0.0.1 only
# Prints one line per target; the JSON lines carry p50/p99/p99.9, moves/s, errors, server CPU and RSS.
set -euo pipefail
PROJECT=${PROJECT:-$PWD}
PROJECT=$(cd "$PROJECT" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)
# work in a writable copy (this folder may be read-only): node_modules and results live there
HERE=${PEER_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/peer-rig}
mkdir -p "$HERE"
cp -R "$SRC/package.json" "$SRC/package-lock.json" "$SRC/loadgen.mjs" "$SRC/server" "$SRC/null-relay" "$HERE/"
cd "$HERE"
GAMES=${1:-1000}; SECS=${2:-15}; RATE=${3:-1}
TARGETS=${TARGETS:-"colyseus-immediate null-relay ours"}
PY=${PY:-$PROJECT/.venv/bin/python}
PORT_BASE=${PORT_BASE:-27500}
mkdir -p results
RESULTS=${RESULTS:-$HERE/results/$(date +%Y%m%d-%H%M%S)-g${GAMES}.jsonl}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

if [ ! -d node_modules/@colyseus/core ] || [ ! -d node_modules/@colyseus/sdk ]; then
  # npm ci can fail where the registry lacks other platforms' optional packages; install then
  npm ci --no-fund --no-audit --loglevel=error >/dev/null 2>&1 || npm install --no-fund --no-audit --loglevel=error >/dev/null
fi

SERVER_PID=""; RUN_DIR=$(mktemp -d -t peer.XXXXXX)
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$RUN_DIR"; }
trap cleanup EXIT INT TERM
free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "server exited early; log:" >&2; cat "$RUN_DIR/server.log" >&2; return 1; }
    sleep 0.1
  done
  echo "server did not listen on $1" >&2; return 1
}

echo "# games=$GAMES seconds=$SECS rate=$RATE nproc=$(nproc) node=$(node -v) results -> $RESULTS"
for tgt in $TARGETS; do
  PORT=$(free_port "$PORT_BASE")
  case "$tgt" in
    colyseus-*)
      PORT=$PORT MODE=${tgt#colyseus-} node server/index.mjs >"$RUN_DIR/server.log" 2>&1 &
      SERVER_PID=$!; URL="ws://127.0.0.1:$PORT"; LGT=colyseus ;;
    null-relay)
      ( cd "$HERE/null-relay" && exec "$PY" -m gameserver --port "$PORT" ) >"$RUN_DIR/server.log" 2>&1 &
      SERVER_PID=$!; URL="ws://127.0.0.1:$PORT/ws"; LGT=ours ;;
    ours)
      # shellcheck disable=SC2086
      ( cd "$PROJECT" && exec "$PY" -m gameserver --port "$PORT" --db "$RUN_DIR/ours.db" ${OURS_ARGS:-} ) >"$RUN_DIR/server.log" 2>&1 &
      SERVER_PID=$!; URL="ws://127.0.0.1:$PORT/ws"; LGT=ours ;;
    *) echo "unknown target $tgt" >&2; exit 2 ;;
  esac
  if ! wait_port "$PORT" "$SERVER_PID"; then echo "$tgt: server failed to start (skipped)"; stop_server; continue; fi
  timeout $((SECS + 180 + GAMES / 10)) node loadgen.mjs --target "$LGT" --url "$URL" --games "$GAMES" --seconds "$SECS" --rate "$RATE" \
    --pid "$SERVER_PID" --label "$tgt" --json-out "$RESULTS" --no-deflate || echo "$tgt: loadgen failed (rc=$?)"
  stop_server
  rm -f "$RUN_DIR"/ours.db*
  sleep 1
done
