"""Rate limits: fixed windows per credential, and the headers that describe them."""

import uuid

import pytest

from app.adapters.rate_counters import MemoryRateCounter
from app.api.problems import rate_limit_headers
from app.domain.identity import Actor, Role
from app.domain.rate_limits import RateLimited, RatePolicy
from app.services.rate_limits import RateLimiter

START = 1_800_000_000.0  # a window boundary for 60-second windows
assert START % 60 == 0


def actor(credential: str = "api_key:1", tenant: uuid.UUID | None = None) -> Actor:
    return Actor(tenant or uuid.uuid4(), frozenset({Role.HR_ADMIN}), credential_id=credential)


@pytest.mark.parametrize(
    ("moment", "window", "reset"),
    [(START, 30_000_000, 60), (START + 0.2, 30_000_000, 60), (START + 59.5, 30_000_000, 1)],
)
def test_a_moment_falls_in_one_window_and_resets_in_whole_seconds(moment, window, reset):
    assert RatePolicy(10).window_at(moment) == (window, reset)


def test_the_headers_say_quota_window_remaining_and_reset():
    policy = RatePolicy(5)
    assert rate_limit_headers(policy.verdict(2, 17)) == {
        "RateLimit-Policy": '"per-credential";q=5;w=60',
        "RateLimit": '"per-credential";r=3;t=17',
    }
    refused = policy.verdict(6, 17)
    assert not refused.admitted
    assert rate_limit_headers(refused)["RateLimit"] == '"per-credential";r=0;t=17'
    assert rate_limit_headers(refused)["Retry-After"] == "17"


async def test_the_quota_holds_per_credential_and_window():
    limiter = RateLimiter(RatePolicy(2), MemoryRateCounter())
    alice, bob = actor("api_key:a"), actor("api_key:b")
    assert (await limiter.admit(alice, START)).remaining == 1
    assert (await limiter.admit(alice, START + 1)).remaining == 0
    with pytest.raises(RateLimited) as refused:
        await limiter.admit(alice, START + 50)
    assert refused.value.verdict.reset_seconds == 10
    # Another credential has its own count; the next window starts afresh.
    assert (await limiter.admit(bob, START + 50)).remaining == 1
    assert (await limiter.admit(alice, START + 60)).remaining == 1


async def test_the_same_credential_name_in_two_tenants_is_counted_apart():
    limiter = RateLimiter(RatePolicy(1), MemoryRateCounter())
    await limiter.admit(actor("jwt"), START)
    assert (await limiter.admit(actor("jwt"), START)).remaining == 0
