#!/bin/bash
# Instructions per step of an in-process bench, counted by valgrind's callgrind: the
# difference between a long run and a short one, over games * 20 steps, so start-up and set-up
# cancel out. Repeatable on a loaded machine, unlike CPU time (the hash seed is fixed: dict
# layouts move the count by a thousand or so otherwise). About two minutes.
#
#     bash bench/instructions.sh move          # bench_server.py: judge, plan, commit, publish
#                                              # to two fake sockets (40 minus 20 moves a game)
#     bash bench/instructions.sh tick          # bench_ticks.py --fixed: a light-cycles race's
#                                              # timer fires, its tick commits and is pushed
#                                              # (30 minus 10 ticks a race), memory store
#     DB=file bash bench/instructions.sh tick  # a SQLite file behind the engine
#     GAMES=... (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-move}
games=${GAMES:-50}
python=${PYTHON:-.venv/bin/python}
export PYTHONHASHSEED=0
# this checkout's code, also when the virtualenv's editable install points at another one
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
"$python" -m compileall -q gameserver flowstate bench > /dev/null  # no compiling in a run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ir() {
    local args
    case "$what" in
        move) args=(bench/bench_server.py --games "$games" --moves "$1") ;;
        tick)
            local db=":memory:"
            if [ "${DB:-}" = file ]; then db="$out/ticks.$1.sqlite3"; fi
            args=(bench/bench_ticks.py --games "$games" --fixed "$1" --db "$db") ;;
        *) echo "usage: $0 move|tick" >&2; exit 2 ;;
    esac
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1" "$python" "${args[@]}" \
        > /dev/null 2> "$out/err.$1"
    grep -o "Collected : [0-9]*" "$out/err.$1" | grep -o "[0-9]*"
}
if [ "$what" = tick ]; then short=10 long=30; else short=20 long=40; fi
a=$(ir $short)
b=$(ir $long)
echo "per $what: $(( (b - a) / (games * 20) )) instructions"
