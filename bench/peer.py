"""Our server beside Colyseus and a null relay of our protocol, under one Node load generator,
in one run, with the ratios the move path is judged by.

Runs `bench/peer/run.sh` (the side-by-side rig: see bench/peer/README.md; it installs its Node
packages on first use) and prints each target's line plus ours / null relay and ours /
Colyseus for p50, p99 and server CPU.

    .venv/bin/python bench/peer.py --games 1000 --seconds 15 --rate 1
    .venv/bin/python bench/peer.py --games 1000 --seconds 15 --rate 4 --targets null-relay ours
    .venv/bin/python bench/peer.py --games 1000 --seconds 15 --rate 1 --runs 5   # medians
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RIG = ROOT / "bench" / "peer" / "run.sh"
FIELDS = ("p50_ms", "p99_ms", "server_cpu_pct")


def run(games: int, seconds: int, rate: float, targets: list[str],
        ours_args: str) -> dict[str, dict[str, Any]]:
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as out:
        results = out.name
    env = {**os.environ, "TARGETS": " ".join(targets), "RESULTS": results,
           "OURS_ARGS": ours_args, "PROJECT": str(ROOT)}
    subprocess.run([str(RIG), str(games), str(seconds), str(rate)], env=env, cwd=ROOT,
                   check=True)
    rows = [json.loads(line) for line in Path(results).read_text().splitlines() if line]
    Path(results).unlink()
    return {row["label"]: row for row in rows}


PEERS = ("null-relay", "colyseus-immediate")


def _name(field: str) -> str:
    return field.removesuffix("_ms").removesuffix("_pct")


def ratio_values(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """peer -> field -> ours / peer, for the peers this run measured beside ours."""
    ours = rows.get("ours")
    found: dict[str, dict[str, float]] = {}
    for peer in PEERS:
        other = rows.get(peer)
        if ours is not None and other is not None:
            found[peer] = {field: ours[field] / max(other[field], 1e-9) for field in FIELDS}
    return found


def ratios(rows: dict[str, dict[str, Any]]) -> list[str]:
    return [f"ours / {peer}: " + ", ".join(f"{_name(f)} {v:.2f}x" for f, v in values.items())
            for peer, values in ratio_values(rows).items()]


def summary(runs: list[dict[str, dict[str, float]]]) -> list[str]:
    """Each ratio's median over the runs, with its lowest and highest."""
    lines = []
    for peer in PEERS:
        per_run = [run[peer] for run in runs if peer in run]
        if not per_run:
            continue
        parts = []
        for field in FIELDS:
            values = sorted(run[field] for run in per_run)
            parts.append(f"{_name(field)} {statistics.median(values):.2f}x "
                         f"({values[0]:.2f}-{values[-1]:.2f})")
        lines.append(f"ours / {peer}, median of {len(per_run)} runs: " + ", ".join(parts))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=float, default=1.0, help="moves per second per player")
    parser.add_argument("--targets", nargs="+",
                        default=["colyseus-immediate", "null-relay", "ours"])
    # Every load-generator socket comes from 127.0.0.1: the per-address defences (connections,
    # identities, games per address) would refuse the 1,000 games, so the rig turns them off.
    parser.add_argument("--ours-args", default="--no-address-limits",
                        help="extra `python -m gameserver` options")
    parser.add_argument("--runs", type=int, default=1,
                        help="run the rig this many times (the targets' order rotated each "
                             "run) and print each ratio's median: one run's p99 moves a lot")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: 1 or more")
    runs = []
    for index in range(args.runs):
        turn = index % len(args.targets)
        order = args.targets[turn:] + args.targets[:turn]
        rows = run(args.games, args.seconds, args.rate, order, args.ours_args)
        for line in ratios(rows):
            print(line, flush=True)
        runs.append(ratio_values(rows))
    if args.runs > 1:
        for line in summary(runs):
            print(line)


if __name__ == "__main__":
    main()
