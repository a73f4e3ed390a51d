"""Request bodies over TANDEM_MAX_REQUEST_BYTES are refused with 413 problem+json before the
app reads them, whether the client declares their length or streams them in chunks."""

import json

import httpx
import pytest

from app.api.middleware import BodySizeLimitMiddleware
from app.main import create_app
from tests.conftest import auth

LIMIT = 64 * 1024


@pytest.fixture
async def small_client(settings):
    app = create_app(settings.model_copy(update={"max_request_bytes": LIMIT}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client


def _rows(count: int) -> bytes:
    rows = [{"external_id": f"e{n}", "name": f"Person {n}"} for n in range(count)]
    return json.dumps({"rows": rows}).encode()


async def _employees(client, admin) -> int:
    found = await client.get("/v1/employees", params={"limit": 500}, headers=auth(admin))
    return len(found.json()["data"])


async def test_a_declared_length_over_the_limit_is_refused(small_client, new_tenant):
    admin = await new_tenant()
    body = _rows(2000)
    assert len(body) > LIMIT
    response = await small_client.post(
        "/v1/employees:bulk",
        content=body,
        headers=auth(admin) | {"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("content_too_large")
    assert str(LIMIT) in problem["detail"]
    assert problem["request_id"] == response.headers["x-request-id"]
    assert await _employees(small_client, admin) == 0


async def test_a_streamed_body_is_cut_off_at_the_limit(small_client, new_tenant):
    admin = await new_tenant()
    body = _rows(2000)

    async def chunks():
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = await small_client.post(
        "/v1/employees:bulk",
        content=chunks(),
        headers=auth(admin) | {"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    graphql = await small_client.post(
        "/graphql",
        content=chunks(),
        headers=auth(admin) | {"content-type": "application/json"},
    )
    assert graphql.status_code == 413
    assert await _employees(small_client, admin) == 0


async def test_a_body_under_the_limit_is_served(small_client, new_tenant):
    admin = await new_tenant()
    body = _rows(50)
    assert len(body) < LIMIT
    response = await small_client.post(
        "/v1/employees:bulk",
        content=body,
        headers=auth(admin) | {"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert await _employees(small_client, admin) == 50


async def test_a_declared_length_over_the_limit_is_never_read():
    called = []

    async def app(scope, receive, send):
        called.append("app")

    async def receive():
        raise AssertionError("the body was read")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/employees:bulk",
        "headers": [(b"content-length", str(LIMIT + 1).encode())],
    }
    await BodySizeLimitMiddleware(app, max_bytes=LIMIT)(scope, receive, send)
    assert called == []
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["instance"] == "/v1/employees:bulk"
