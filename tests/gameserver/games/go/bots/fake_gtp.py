"""A tiny misbehaving GTP engine for the client tests: ``python fake_gtp.py MODE``.

It answers every command with ``=`` except ``genmove``, where MODE decides:
``hang`` sleeps forever, ``malformed`` prints a line that is not a GTP response,
``crash`` writes to stderr and exits with status 3, ``ok`` answers ``= C3``.
``final_status_list`` is answered over two lines with a command id; ``fail`` with ``?``.
"""

import sys
import time


def main() -> None:
    mode = sys.argv[1]
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        name = words[0]
        if name == "quit":
            print("=\n", flush=True)
            return
        if name == "genmove":
            if mode == "hang":
                time.sleep(3600)
            elif mode == "malformed":
                print("thinking very hard about", words[1], "\n", flush=True)
                continue
            elif mode == "crash":
                print("fake_gtp: segmentation fault", file=sys.stderr, flush=True)
                sys.exit(3)
            print("= C3\n", flush=True)
        elif name == "final_status_list":
            print("=7 a1 B2\n  c3\n", flush=True)
        elif name == "fail":
            print("? this engine refuses\n", flush=True)
        else:
            print("=\n", flush=True)


if __name__ == "__main__":
    main()
