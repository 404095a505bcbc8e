"""A token bucket: pure, time is passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per second up to `burst`; `take(now)` spends one if there is one."""

    rate: float
    burst: float
    tokens: float
    updated_at: float

    @classmethod
    def full(cls, rate: float, burst: float, now: float) -> TokenBucket:
        return cls(rate=rate, burst=burst, tokens=burst, updated_at=now)

    def take(self, now: float, cost: float = 1.0) -> bool:
        if now > self.updated_at:
            self.tokens = min(self.burst, self.tokens + (now - self.updated_at) * self.rate)
            self.updated_at = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False


class AddressBuckets:
    """A token bucket per address, made full on first sight; full (idle) ones are dropped
    when more than `kept` are held, so a stream of new addresses cannot grow it forever."""

    def __init__(self, rate: float, burst: float, kept: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.kept = kept
        self._buckets: dict[str, TokenBucket] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, address: str, now: float) -> bool:
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= self.kept:
                self._buckets = {a: b for a, b in self._buckets.items()
                                 if b.tokens + (now - b.updated_at) * b.rate < b.burst}
            bucket = self._buckets[address] = TokenBucket.full(self.rate, self.burst, now)
        return bucket.take(now)
