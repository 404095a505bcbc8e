"""Heavy work from many tasks at once takes turns: one piece, then a turn of the loop."""

import asyncio
import itertools

from gameserver.live.turns import Turns


async def test_other_tasks_run_between_the_pieces_of_a_burst() -> None:
    """Three pieces entering at once run one per loop turn, another task's steps between
    them; without turns all three would run before it."""
    turns = Turns()
    order: list[str] = []

    async def piece(n: int) -> None:
        async with turns:
            order.append(f"piece {n}")

    async def other() -> None:
        for _ in range(4):
            order.append("other")
            await asyncio.sleep(0)

    await asyncio.gather(piece(1), piece(2), piece(3), other())
    pieces = [i for i, what in enumerate(order) if what.startswith("piece")]
    assert [order[i] for i in pieces] == ["piece 1", "piece 2", "piece 3"]
    assert all("other" in order[a:b] for a, b in itertools.pairwise(pieces))
    assert turns.waited == 2


async def test_a_lone_piece_waits_for_nobody() -> None:
    turns = Turns()
    async with turns:
        pass
    assert turns.waited == 0


async def test_a_piece_waiting_for_io_does_not_hold_up_the_next() -> None:
    """Only the starts are spaced: the second piece starts while the first still waits."""
    turns = Turns()
    first_waiting = asyncio.Event()
    release = asyncio.Event()
    second_started = asyncio.Event()

    async def first() -> None:
        async with turns:
            first_waiting.set()
            await release.wait()

    async def second() -> None:
        await first_waiting.wait()
        async with turns:
            second_started.set()

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    async with asyncio.timeout(5):
        await second_started.wait()
    release.set()
    await asyncio.gather(*tasks)
