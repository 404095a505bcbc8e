"""Our server beside Colyseus and a null relay of our protocol, under one Node load generator,
in one run, with the ratios the move path is judged by.

Runs `bench/peer/run.sh` (the side-by-side rig: see bench/peer/README.md; it installs its Node
packages on first use) and prints each target's line plus ours / null relay and ours /
Colyseus for p50, p99 and server CPU.

    .venv/bin/python bench/peer.py --games 1000 --seconds 15 --rate 1
    .venv/bin/python bench/peer.py --games 1000 --seconds 15 --rate 4 --targets null-relay ours
"""

from __future__ import annotations

import argparse
import json
import os
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


def ratios(rows: dict[str, dict[str, Any]]) -> list[str]:
    ours = rows.get("ours")
    lines = []
    for peer in ("null-relay", "colyseus-immediate"):
        other = rows.get(peer)
        if ours is None or other is None:
            continue
        parts = [f"{field.removesuffix('_ms').removesuffix('_pct')} "
                 f"{ours[field] / max(other[field], 1e-9):.2f}x" for field in FIELDS]
        lines.append(f"ours / {peer}: " + ", ".join(parts))
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
    args = parser.parse_args()
    rows = run(args.games, args.seconds, args.rate, args.targets, args.ours_args)
    for line in ratios(rows):
        print(line)


if __name__ == "__main__":
    main()
