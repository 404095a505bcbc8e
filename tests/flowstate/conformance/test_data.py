"""Versioned data beside the state log: DataStoreGet(WithCommit), DataFlowConfig, StoreData
and GetData from the Go suite. The Go cases also pin an xxhash64 checksum annotation and
exact data revs; our contract promises neither, only that changed data gets a greater rev."""

from __future__ import annotations

import json

from flowstate import (
    Command,
    Data,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    execute,
    get_data,
    park,
    store_data,
    transit,
)

from .support import Tracker

DATA_REF = "flowstate.data."


def _register_store_get(
    registry: FlowRegistry, tracker: Tracker, loaded: list[Data], *, with_commit: bool
) -> None:
    def wrap(*cmds: Command) -> tuple[Command, ...]:
        return (commit(*cmds),) if with_commit else cmds

    async def store(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        ctx.datas["aDataKey"] = Data(blob=b"foo")
        await engine.do(*wrap(store_data(ctx, "aDataKey"), transit(ctx, "get")))
        return execute(ctx)

    async def get(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        await engine.do(*wrap(get_data(ctx, "aDataKey"), transit(ctx, "end")))
        loaded.append(ctx.datas["aDataKey"])
        return execute(ctx)

    async def end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("store", store)
    registry.set_flow("get", get)
    registry.set_flow("end", end)


async def test_data_store_get(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """Data stored by one flow is referenced by the state and read back by the next."""
    loaded: list[Data] = []
    _register_store_get(registry, tracker, loaded, with_commit=False)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "store"))
    await engine.execute(ctx)

    assert tracker.visited == ["store", "get", "end"]
    assert [(d.blob, d.rev > 0) for d in loaded] == [(b"foo", True)]
    assert ctx.current.annotations[DATA_REF + "aDataKey"]


async def test_data_store_get_with_commit(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """store_data and get_data work inside a commit next to the transit."""
    loaded: list[Data] = []
    _register_store_get(registry, tracker, loaded, with_commit=True)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "store"))
    await engine.execute(ctx)

    assert tracker.visited == ["store", "get", "end"]
    assert [(d.blob, d.rev > 0) for d in loaded] == [(b"foo", True)]
    # The committed version references the data.
    assert ctx.committed.annotations[DATA_REF + "aDataKey"]


async def test_data_flow_config(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """Two flows read a shared config blob and transform a data blob, each storing a new rev."""
    revs: list[int] = []
    result: list[Data] = []

    async def foo(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        await engine.do(get_data(ctx, "config_set"), get_data(ctx, "data"))
        factor = json.loads(ctx.datas["config_set"].blob)["foo"]["a"]
        data = ctx.datas["data"]
        data.blob = json.dumps(factor * json.loads(data.blob)).encode()
        await engine.do(store_data(ctx, "data"), transit(ctx, "bar"))
        revs.append(ctx.datas["data"].rev)
        return execute(ctx)

    async def bar(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        await engine.do(get_data(ctx, "config_set"), get_data(ctx, "data"))
        divisor = json.loads(ctx.datas["config_set"].blob)["bar"]["b"]
        data = ctx.datas["data"]
        data.blob = json.dumps(json.loads(data.blob) // divisor).encode()
        await engine.do(store_data(ctx, "data"), transit(ctx, "end"))
        revs.append(ctx.datas["data"].rev)
        result.append(ctx.datas["data"].copy())
        return execute(ctx)

    async def end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("foo", foo)
    registry.set_flow("bar", bar)
    registry.set_flow("end", end)

    ctx = StateCtx.new("TID")
    ctx.datas["config_set"] = Data(blob=b'{"foo": {"a": 10}, "bar": {"b": 20}}')
    ctx.datas["data"] = Data(blob=b"100")
    await engine.do(store_data(ctx, "config_set"), store_data(ctx, "data"))
    revs[:0] = [ctx.datas["config_set"].rev, ctx.datas["data"].rev]

    await engine.do(transit(ctx, "foo"))
    await engine.execute(ctx)

    assert tracker.visited == ["foo", "bar", "end"]
    assert [d.blob for d in result] == [b"50"]
    assert revs == sorted(set(revs)) and revs[0] > 0, f"revs must strictly increase: {revs}"
    assert result[0].rev == revs[-1]


async def test_store_data(engine: Engine) -> None:
    """Empty and non-empty data get a rev; storing unchanged data keeps it, a change bumps it."""
    ctx = StateCtx.new("aTID")

    ctx.datas["bEmpty"] = Data()
    await engine.do(store_data(ctx, "bEmpty"))
    assert ctx.datas["bEmpty"].rev > 0
    assert ctx.current.annotations[DATA_REF + "bEmpty"]

    ctx.datas["bNotEmpty"] = Data(blob=b"aContent")
    await engine.do(store_data(ctx, "bNotEmpty"))
    stored_rev = ctx.datas["bNotEmpty"].rev
    assert stored_rev > 0
    assert ctx.current.annotations[DATA_REF + "bNotEmpty"]

    await engine.do(store_data(ctx, "bNotEmpty"))
    assert ctx.datas["bNotEmpty"].rev == stored_rev

    ctx.datas["bNotEmpty"].blob = b"aContentUpdated"
    await engine.do(store_data(ctx, "bNotEmpty"))
    assert ctx.datas["bNotEmpty"].rev > stored_rev


async def test_get_data(engine: Engine) -> None:
    """get_data loads the referenced rev when missing or at another rev, and not otherwise."""
    ctx = StateCtx.new("aTID")
    ctx.datas["anAlias"] = Data(blob=b"aContent")
    await engine.do(store_data(ctx, "anAlias"))
    assert ctx.current.annotations[DATA_REF + "anAlias"]
    stored_rev = ctx.datas["anAlias"].rev

    ctx.datas.clear()
    await engine.do(get_data(ctx, "anAlias"))
    assert (ctx.datas["anAlias"].rev, ctx.datas["anAlias"].blob) == (stored_rev, b"aContent")

    ctx.datas["anAlias"].rev += 1
    ctx.datas["anAlias"].blob = b""
    await engine.do(get_data(ctx, "anAlias"))
    assert (ctx.datas["anAlias"].rev, ctx.datas["anAlias"].blob) == (stored_rev, b"aContent")

    ctx.datas["anAlias"].blob = b""
    await engine.do(get_data(ctx, "anAlias"))
    assert (ctx.datas["anAlias"].rev, ctx.datas["anAlias"].blob) == (stored_rev, b"")
