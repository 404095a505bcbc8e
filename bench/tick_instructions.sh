#!/bin/bash
# Instructions per tick of bench/bench_ticks.py's `--fixed` run (a light-cycles race's timer
# firing, the tick judged, committed with its timer armed again, pushed to two fake sockets,
# on the fake clock), counted by valgrind's callgrind: the difference between a run of 30
# ticks per race and one of 10, over races * 20 ticks, so start-up and set-up cancel out.
# Repeatable on a loaded machine, unlike CPU time. About two minutes.
#
#     bash bench/tick_instructions.sh            # 50 races, memory store
#     DB=file bash bench/tick_instructions.sh    # a SQLite file behind the engine
set -euo pipefail
cd "$(dirname "$0")/.."
games=${GAMES:-50}
python=${PYTHON:-.venv/bin/python}
export PYTHONHASHSEED=0
"$python" -m compileall -q gameserver flowstate bench > /dev/null  # no compiling in a run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
db=":memory:"
ir() {
    if [ "${DB:-}" = file ]; then db="$out/ticks.$1.sqlite3"; fi
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1" "$python" \
        bench/bench_ticks.py --games "$games" --fixed "$1" --db "$db" > /dev/null 2> "$out/err.$1"
    grep -o "Collected : [0-9]*" "$out/err.$1" | grep -o "[0-9]*"
}
a=$(ir 10)
b=$(ir 30)
echo "per tick: $(( (b - a) / (games * 20) )) instructions"
