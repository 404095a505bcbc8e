"""Money transfer: move 30 from John to Sarah as one atomic, rev-checked commit of both
balances. Someone else updates John's balance in between, so the first attempt fails with a
RevMismatchError naming John; the transfer reloads both balances and tries again.

Run with `python -m examples.money_transfer`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from flowstate import (
    Engine,
    FlowRegistry,
    MemoryDriver,
    RevMismatchError,
    StateCtx,
    commit,
    get_state_by_id,
    park,
)


@dataclass
class Outcome:
    balances: dict[str, int]
    attempts: int
    conflicts: list[tuple[str, ...]]  # the ids each failed attempt conflicted on


def balance(ctx: StateCtx) -> int:
    return int(ctx.current.annotations["balance"])


def set_balance(ctx: StateCtx, amount: int) -> None:
    ctx.current.annotations["balance"] = str(amount)


async def load(engine: Engine, account: str) -> StateCtx:
    ctx = StateCtx()
    await engine.do(get_state_by_id(ctx, account))
    return ctx


async def transfer(engine: Engine, john: StateCtx, sarah: StateCtx, amount: int) -> Outcome:
    outcome = Outcome({}, 0, [])
    while True:
        outcome.attempts += 1
        set_balance(john, balance(john) - amount)
        set_balance(sarah, balance(sarah) + amount)
        try:
            await engine.do(commit(park(john), park(sarah)))
        except RevMismatchError as conflict:
            # Nothing was written and both ctxs are as they were before the commit:
            # reload the latest balances and try again.
            outcome.conflicts.append(conflict.ids)
            print(f"attempt {outcome.attempts}: {conflict}; reloading")
            john, sarah = await load(engine, "john"), await load(engine, "sarah")
            continue
        outcome.balances = {"john": balance(john), "sarah": balance(sarah)}
        return outcome


async def main() -> Outcome:
    async with Engine(MemoryDriver(), FlowRegistry()) as engine:
        john = StateCtx.new("john", annotations={"balance": "100"})
        sarah = StateCtx.new("sarah", annotations={"balance": "50"})
        await engine.do(commit(park(john), park(sarah)))

        # A concurrent update we have not seen: John receives 50.
        elsewhere = await load(engine, "john")
        set_balance(elsewhere, balance(elsewhere) + 50)
        await engine.do(commit(park(elsewhere)))

        outcome = await transfer(engine, john, sarah, 30)
        print(f"after {outcome.attempts} attempts: {outcome.balances}")
        return outcome


if __name__ == "__main__":
    asyncio.run(main())
