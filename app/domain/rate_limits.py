"""Per-credential rate limits: a fixed window of `quota` requests every `window_seconds`,
counted per credential of a tenant."""

import math
from dataclasses import dataclass

from app.domain.errors import DomainError


@dataclass(frozen=True)
class RatePolicy:
    quota: int
    window_seconds: int = 60
    name: str = "per-credential"

    def window_at(self, epoch_seconds: float) -> tuple[int, int]:
        """The window a moment falls in (its number since the epoch) and the whole seconds
        until the next one starts (at least 1)."""
        number = int(epoch_seconds // self.window_seconds)
        ends = (number + 1) * self.window_seconds
        return number, max(1, math.ceil(ends - epoch_seconds))

    def verdict(self, count: int, reset_seconds: int) -> "RateVerdict":
        return RateVerdict(self, max(0, self.quota - count), reset_seconds, count <= self.quota)


@dataclass(frozen=True)
class RateVerdict:
    """What one request's count means: whether it is admitted, and what is left."""

    policy: RatePolicy
    remaining: int
    reset_seconds: int
    admitted: bool


class RateLimited(DomainError):
    """The credential has used its quota for the current window."""

    code = "rate_limited"

    def __init__(self, verdict: RateVerdict) -> None:
        super().__init__(
            f"This credential may make {verdict.policy.quota} requests every "
            f"{verdict.policy.window_seconds} s; try again in {verdict.reset_seconds} s."
        )
        self.verdict = verdict
