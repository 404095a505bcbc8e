#!/bin/bash
# Instructions per move of bench/bench_server.py's in-process move path (judge, plan, commit,
# publish to two fake sockets), counted by valgrind's callgrind: the difference between a run
# of 40 moves per game and one of 20, over games * 20 moves, so start-up and set-up cancel
# out. Repeatable on a loaded machine, unlike CPU time (the hash seed is fixed: dict layouts
# move the count by a thousand or so otherwise). About two minutes.
#
#     bash bench/move_instructions.sh            # 50 games (GAMES=... to change)
set -euo pipefail
cd "$(dirname "$0")/.."
games=${GAMES:-50}
python=${PYTHON:-.venv/bin/python}
export PYTHONHASHSEED=0
"$python" -m compileall -q gameserver flowstate bench > /dev/null  # no compiling in a run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ir() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1" "$python" \
        bench/bench_server.py --games "$games" --moves "$1" > /dev/null 2> "$out/err.$1"
    grep -o "Collected : [0-9]*" "$out/err.$1" | grep -o "[0-9]*"
}
a=$(ir 20)
b=$(ir 40)
echo "per move: $(( (b - a) / (games * 20) )) instructions"
