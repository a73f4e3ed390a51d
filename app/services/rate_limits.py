"""Admitting a request under its credential's rate limit."""

import time
from dataclasses import dataclass

from app.domain.identity import Actor
from app.domain.ports import RateCounter
from app.domain.rate_limits import RateLimited, RatePolicy, RateVerdict
from app.services.guards import caller_id


@dataclass(frozen=True)
class RateLimiter:
    policy: RatePolicy
    counter: RateCounter

    async def admit(self, actor: Actor, now: float | None = None) -> RateVerdict:
        """Count the actor's request. Raises RateLimited once its quota for the window is
        used; the refused requests count too, so a client that keeps retrying stays refused
        until the window ends."""
        window, reset = self.policy.window_at(time.time() if now is None else now)
        count = await self.counter.increment(
            f"{actor.tenant_id}:{caller_id(actor)}",
            window=window,
            expires_in=self.policy.window_seconds + 1,
        )
        verdict = self.policy.verdict(count, reset)
        if not verdict.admitted:
            raise RateLimited(verdict)
        return verdict
