"""Each example runs to completion and does what its docstring says."""

from __future__ import annotations

from flowstate import parked

from . import (
    delayed_execute,
    durable_execute,
    execute_with_timeout,
    iterate_over_all_states,
    money_transfer,
    queue,
    sqlite_restart,
)


async def test_durable_execute() -> None:
    state = await durable_execute.main()
    assert parked(state)
    assert state.annotations["receipt"] == "sent to ada"


async def test_delayed_execute() -> None:
    outcome = await delayed_execute.main()
    assert outcome.ran_at == [10.0]
    assert outcome.was_delayed


async def test_execute_with_timeout() -> None:
    outcome = await execute_with_timeout.main()
    assert outcome.outcomes == {"fast-job": "done", "slow-job": "timed out"}
    # The fast job's commit cancelled its timeout; the slow job's timeout fired.
    assert (outcome.timeouts_fired, outcome.timeouts_dropped) == (1, 1)


async def test_queue() -> None:
    assert await queue.main() == [f"email-{i}" for i in range(10)]


async def test_money_transfer() -> None:
    outcome = await money_transfer.main()
    assert outcome.balances == {"john": 120, "sarah": 80}
    assert outcome.attempts == 2
    assert outcome.conflicts == [("john",)]


async def test_iterate_over_all_states() -> None:
    pages = await iterate_over_all_states.main()
    assert [len(p) for p in pages] == [4, 4, 2]
    assert [i for page in pages for i in page] == [f"anID{i}" for i in range(10)]


async def test_sqlite_restart() -> None:
    outcome = await sqlite_restart.main()
    assert outcome.first_run_done == []
    assert outcome.second_run_done == ["reserved order-7", "shipped order-7"]
    assert outcome.order_status == "shipped"
    assert outcome.pending_reminders == ["remind-7"]
