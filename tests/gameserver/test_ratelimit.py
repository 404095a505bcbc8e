"""The token bucket refills at its rate and never beyond its burst."""

from gameserver.live.ratelimit import TokenBucket


def test_burst_then_refusal_then_refill() -> None:
    """A full bucket allows `burst` messages at once, then one per 1/rate seconds."""
    bucket = TokenBucket.full(rate=2, burst=3, now=100.0)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(100.4) is False
    assert bucket.take(100.5) is True
    assert bucket.take(100.5) is False


def test_refill_is_capped_at_burst() -> None:
    """A long quiet spell refills to burst, not more."""
    bucket = TokenBucket.full(rate=10, burst=2, now=0.0)
    assert bucket.take(0.0) and bucket.take(0.0)
    assert [bucket.take(1000.0) for _ in range(3)] == [True, True, False]


def test_time_going_backwards_does_not_mint_tokens() -> None:
    """A clock that steps back gives nothing."""
    bucket = TokenBucket.full(rate=1, burst=1, now=10.0)
    assert bucket.take(10.0)
    assert not bucket.take(5.0)
