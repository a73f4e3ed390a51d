"""The per-credential rate limit over HTTP: RateLimit headers on every authenticated answer,
429 problem+json with Retry-After past the quota, on REST and GraphQL alike; shared through
Redis by every API process; and never a reason to fail when Redis is away."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.main import create_app
from tests.conftest import REDIS_URL, auth, requires_redis
from tests.integration.helpers import assert_problem, key_for

ORIGIN = "https://app.example.com"


@asynccontextmanager
async def served(settings, **changes) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=changes))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tandem.test") as c:
            yield c


def rate_limit(response) -> tuple[int, int]:
    """(requests left, seconds to the reset) from the RateLimit field."""
    fields = dict(part.split("=") for part in response.headers["RateLimit"].split(";")[1:])
    return int(fields["r"]), int(fields["t"])


async def in_a_fresh_window(client, headers) -> httpx.Response:
    """One request, made early in a window, so that the count does not reset half-way
    through the test."""
    while True:
        response = await client.get("/v1/me", headers=headers)
        _, reset = rate_limit(response)
        if reset >= 5:
            return response
        await asyncio.sleep(reset + 0.1)


async def test_a_credential_past_its_quota_gets_429_on_rest_and_graphql(
    settings, new_tenant, client
):
    admin = await new_tenant()
    other = await key_for(client, admin, "employee")  # on the suite's app: its own count
    async with served(settings, rate_limit_per_minute=4) as limited:
        headers = auth(admin) | {"Origin": ORIGIN}
        first = await in_a_fresh_window(limited, headers)
        counted = [first] + [await limited.get("/v1/me", headers=headers) for _ in range(3)]
        assert [response.status_code for response in counted[-3:]] == [200, 200, 200]
        assert [rate_limit(response)[0] for response in counted[-3:]] == [2, 1, 0]
        assert counted[-1].headers["RateLimit-Policy"] == '"per-credential";q=4;w=60'
        exposed = set(counted[-1].headers["access-control-expose-headers"].split(", "))
        assert {"RateLimit", "RateLimit-Policy", "Retry-After"} <= exposed

        refused = await limited.get("/v1/me", headers=headers)
        body = assert_problem(refused, 429, "rate_limited")
        assert body["request_id"] == refused.headers["X-Request-ID"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert rate_limit(refused)[0] == 0
        query = {"query": "{ viewer { roles } }"}
        assert_problem(
            await limited.post("/graphql", json=query, headers=headers), 429, "rate_limited"
        )

        # Another credential of the tenant has its own quota; unauthenticated health is free.
        assert (await limited.get("/v1/me", headers=other)).status_code == 200
        health = await limited.get("/healthz")
        assert health.status_code == 200
        assert "RateLimit" not in health.headers


@requires_redis
async def test_api_processes_share_the_count_through_redis(settings, new_tenant):
    admin = await new_tenant()
    async with (
        served(settings, rate_limit_per_minute=3, redis_url=REDIS_URL) as one,
        served(settings, rate_limit_per_minute=3, redis_url=REDIS_URL) as two,
    ):
        await in_a_fresh_window(one, auth(admin))
        assert (await two.get("/v1/me", headers=auth(admin))).status_code == 200
        assert (await one.get("/v1/me", headers=auth(admin))).status_code == 200
        assert_problem(await two.get("/v1/me", headers=auth(admin)), 429, "rate_limited")


async def test_an_unreachable_redis_does_not_stop_the_api(settings, new_tenant, caplog):
    admin = await new_tenant()
    async with served(settings, rate_limit_per_minute=1, redis_url="redis://127.0.0.1:9/0") as c:
        for _ in range(3):
            response = await c.get("/v1/me", headers=auth(admin))
            assert response.status_code == 200
    assert "Rate limit not applied: Redis is unreachable" in caplog.text


async def test_scim_clients_get_a_scim_429_with_retry_after(settings, new_tenant, client):
    admin = await new_tenant()
    scim = await key_for(client, admin, "integration")
    async with served(settings, rate_limit_per_minute=2) as limited:
        await in_a_fresh_window(limited, scim)
        assert (await limited.get("/scim/v2/Users", headers=scim)).status_code == 200
        refused = await limited.get("/scim/v2/Users", headers=scim)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/scim+json"
    assert refused.json()["status"] == "429"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
