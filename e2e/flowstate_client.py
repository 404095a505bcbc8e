"""An application process for the UI tests: an engine on `NetDriver(url)` that commits what
it is told on stdin, one command a line, and answers each with `ok <unix time before> <after>`.

    commit <id> [k=v,...] [data=<alias>:<json text>|<alias>:hex:<bytes in hex>] ...
    delay <id> <seconds>       park <id>, then run flow `fire` on it after <seconds>
    quit

Flow `fire` commits the state parked with `fired=yes`.
"""

from __future__ import annotations

import asyncio
import sys
import time

from flowstate import (
    Command,
    Data,
    Engine,
    FlowRegistry,
    NetDriver,
    NotFoundError,
    StateCtx,
    commit,
    delay,
    get_state_by_id,
    park,
    store_data,
)


async def fire(ctx: StateCtx, engine: Engine) -> Command:
    ctx.current.annotations["fired"] = "yes"
    return commit(park(ctx))


async def main(url: str) -> None:
    registry = FlowRegistry()
    registry.set_flow("fire", fire)
    loop = asyncio.get_running_loop()
    async with Engine(NetDriver(url), registry) as engine:
        print("ready", flush=True)
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).split()
            if not line or line[0] == "quit":
                return
            command, state_id, *rest = line
            ctx = StateCtx()
            try:
                await engine.do(get_state_by_id(ctx, state_id))
            except NotFoundError:
                ctx = StateCtx.new(state_id)
            cmds: list[Command] = []
            seconds = 0.0
            for item in rest:
                if command == "delay":
                    seconds = float(item)
                elif item.startswith("data="):
                    alias, _, value = item[5:].partition(":")
                    blob = bytes.fromhex(value[4:]) if value.startswith("hex:") else value.encode()
                    ctx.datas[alias] = Data(blob)
                    cmds.append(store_data(ctx, alias))
                else:
                    for pair in item.split(","):
                        key, _, value = pair.partition("=")
                        ctx.current.labels[key] = value
            cmds.append(park(ctx))
            if command == "delay":
                cmds.append(delay(ctx, "fire", seconds))
            before = time.time()
            await engine.do(commit(*cmds))
            print(f"ok {before} {time.time()}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
