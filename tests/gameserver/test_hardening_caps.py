"""Caps on identities made and games waiting, per address and in total: refused with
`too_many` (naming the limit), and freed again when what counted is gone."""

from __future__ import annotations

import pytest

from flowstate.testing import FakeClock
from gameserver.testing import ProtocolError, serve
from tests.gameserver.helpers import memory_settings


async def test_new_identities_per_address_are_capped_per_hour(fake_clock: FakeClock) -> None:
    """One address makes at most `identities_per_address` guests an hour; a token still
    works, and the bucket refills with time."""
    async with serve(memory_settings(identities_per_address=3), clock=fake_clock) as server:
        made = [await server.client(f"P{i}") for i in range(3)]
        fourth = await server.connect()
        with pytest.raises(ProtocolError) as refused:
            await fourth.hello("P3")
        assert refused.value.frame["code"] == "too_many"
        assert refused.value.frame["limit"] == "identities_per_address"
        assert refused.value.frame["max"] == 3
        again = await server.connect()
        assert (await again.hello(token=made[0].token))["player_id"] == made[0].player_id
        await fake_clock.advance(3600 / 3)  # one more token
        assert (await fourth.hello("P3"))["name"] == "P3"


async def test_identities_in_total_are_capped(fake_clock: FakeClock) -> None:
    """Past `max_identities` no new guest is made, whatever the address."""
    async with serve(memory_settings(max_identities=2), clock=fake_clock) as server:
        await server.client("A")
        await server.client("B")
        late = await server.connect()
        with pytest.raises(ProtocolError) as refused:
            await late.hello("C")
        assert (refused.value.frame["code"], refused.value.frame["limit"]) == (
            "too_many", "max_identities")


async def test_waiting_games_per_address_are_capped(fake_clock: FakeClock) -> None:
    """An address holds at most `open_games_per_address` waiting games; one filling frees a
    place, and a bot game (never waiting) does not count."""
    settings = memory_settings(open_games_per_address=2, bot="builtin")
    async with serve(settings, clock=fake_clock) as server:
        alice = await server.client("Alice")
        bob = await server.client("Bob")
        first = (await alice.request("create", size=9))["game_id"]
        await bob.request("create", size=9)
        with pytest.raises(ProtocolError) as refused:
            await alice.request("create", size=9)
        frame = refused.value.frame
        assert (frame["code"], frame["limit"], frame["max"]) == (
            "too_many", "open_games_per_address", 2)
        await alice.request("create", size=9, opponent="bot")
        await bob.request("join", game_id=first)
        await alice.request("create", size=9)


async def test_waiting_games_in_total_are_capped(fake_clock: FakeClock) -> None:
    """Past `max_open_games` waiting games nobody can open another; a cancelled one frees
    its place."""
    settings = memory_settings(max_open_games=2, lobby_timeout=60.0)
    async with serve(settings, clock=fake_clock) as server:
        alice = await server.client("Alice")
        await alice.request("create", size=9)
        await alice.request("create", size=9)
        bob = await server.client("Bob")
        with pytest.raises(ProtocolError) as refused:
            await bob.request("create", size=9)
        assert refused.value.frame["limit"] == "max_open_games"
        await fake_clock.advance(61)  # both are cancelled: nobody joined
        await bob.request("create", size=9)


def test_the_caps_are_server_options() -> None:
    """`python -m gameserver` takes every hardening option; a negative cap is refused."""
    from gameserver.__main__ import parse_args

    settings = parse_args([
        "--identities-per-address", "5", "--max-identities", "9", "--open-games-per-address",
        "3", "--max-open-games", "7", "--lobby-page", "20", "--page-max", "100",
        "--finished-grace", "30", "--max-connections", "50", "--connections-per-address",
        "4", "--http-head-timeout", "2.5", "--http-keep-alive", "1"])
    assert (settings.identities_per_address, settings.max_identities,
            settings.open_games_per_address, settings.max_open_games, settings.lobby_page,
            settings.page_max, settings.finished_grace, settings.max_connections,
            settings.connections_per_address, settings.http_head_timeout,
            settings.http_keep_alive) == (5, 9, 3, 7, 20, 100, 30.0, 50, 4, 2.5, 1.0)
    with pytest.raises(SystemExit):
        parse_args(["--max-open-games", "-1"])


async def test_new_games_per_address_are_rate_limited(fake_clock: FakeClock) -> None:
    """New games from one address, bot games too, come in a burst of at most ten, then at
    the configured rate: `rate_limited` meanwhile."""
    settings = memory_settings(bot="builtin", games_per_address_per_minute=6.0,
                               max_open_games_per_player=100)
    async with serve(settings, clock=fake_clock) as server:
        alice = await server.client("Alice")
        for _ in range(6):  # the burst is min(10, the rate)
            game_id = (await alice.request("create", size=9, opponent="bot"))["game_id"]
            await alice.request("resign", game_id=game_id)
        with pytest.raises(ProtocolError) as refused:
            await alice.request("create", size=9)
        assert refused.value.code == "rate_limited"
        await fake_clock.advance(10)  # one more
        await alice.request("create", size=9)


def test_no_address_limits_turns_every_per_address_limit_off() -> None:
    """For load tests from one address, or behind a proxy: the totals stay."""
    from gameserver.__main__ import parse_args

    settings = parse_args(["--no-address-limits"])
    assert (settings.identities_per_address, settings.open_games_per_address,
            settings.games_per_address_per_minute, settings.connections_per_address,
            settings.connections_per_address_per_second, settings.api_requests_per_second,
            settings.flood_cooldown) == (0, 0, 0.0, 0, 0.0, 0.0, 0.0)
    assert (settings.max_identities, settings.max_open_games, settings.max_connections) == (
        1_000_000, 5_000, 10_000)


async def test_bot_games_per_address_are_capped(fake_clock: FakeClock) -> None:
    """An address holds at most `bot_games_per_address` unfinished bot games (the bot's work
    is the server's own); a finished one frees its place, and games between people do not
    count."""
    settings = memory_settings(bot="builtin", bot_games_per_address=2)
    async with serve(settings, clock=fake_clock) as server:
        alice = await server.client("Alice")
        bob = await server.client("Bob")
        first = (await alice.request("create", size=9, opponent="bot"))["game_id"]
        await bob.request("create", size=9, opponent="bot")
        with pytest.raises(ProtocolError) as refused:
            await alice.request("create", size=9, opponent="bot")
        frame = refused.value.frame
        assert (frame["code"], frame["limit"], frame["max"]) == (
            "too_many", "bot_games_per_address", 2)
        await alice.request("create", size=9)  # a game for people is not a bot game
        await alice.request("resign", game_id=first)
        await alice.request("create", size=9, opponent="bot")
        with pytest.raises(ProtocolError):
            await bob.request("create", size=9, opponent="bot")


def test_bot_games_per_address_is_a_server_option() -> None:
    from gameserver.__main__ import parse_args

    assert parse_args(["--bot-games-per-address", "5"]).bot_games_per_address == 5
    assert parse_args([]).bot_games_per_address == 3
    assert parse_args(["--no-address-limits"]).bot_games_per_address == 0
