"""The REST API end to end on a real database."""

import base64
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from app.main import create_app
from tests.conftest import JWT_SECRET, auth

PROBLEM = "application/problem+json"


def assert_problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:tandem:problem:{code}"
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def create_key(client, admin, **fields):
    body = {"name": "k", "roles": ["employee"]} | fields
    response = await client.post("/v1/api-keys", json=body, headers=auth(admin))
    assert response.status_code == 201, response.text
    return response.json()


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer tdm_000000000000_nope"},
        {"X-API-Key": "garbage"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not.a.jwt"},
    ],
)
async def test_missing_or_bad_credentials_get_401_problem(client, headers):
    response = await client.get("/v1/api-keys", headers=headers)
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_create_then_use_a_key_shown_once(client, new_tenant):
    admin = await new_tenant()
    created = await create_key(client, admin, name="HRIS sync", roles=["integration"])
    assert created["key"].startswith(f"tdm_{created['prefix']}_")
    me = await client.get("/v1/me", headers={"X-API-Key": created["key"]})
    assert me.json() == {
        "tenant_id": str(admin.tenant.id),
        "roles": ["integration"],
        "employee_id": None,
    }
    fetched = await client.get(f"/v1/api-keys/{created['id']}", headers=auth(admin))
    assert "key" not in fetched.json()
    assert fetched.json()["last_used_at"] is not None


async def test_malformed_body_is_422_with_field_paths_and_nothing_is_written(client, new_tenant):
    admin = await new_tenant()
    bad = {"name": "", "roles": ["superuser"], "tenant_id": str(uuid.uuid4())}
    response = await client.post("/v1/api-keys", json=bad, headers=auth(admin))
    body = assert_problem(response, 422, "invalid_input")
    assert {error["field"] for error in body["errors"]} == {"body.roles.0", "body.tenant_id"}
    empty_name = await client.post(
        "/v1/api-keys", json={"name": " ", "roles": []}, headers=auth(admin)
    )
    body = assert_problem(empty_name, 422, "invalid_input")
    assert {error["field"] for error in body["errors"]} == {"body.name", "body.roles"}
    listed = await client.get("/v1/api-keys", headers=auth(admin))
    assert len(listed.json()["data"]) == 1


@pytest.mark.parametrize("body", [b'{"name": ', b"\x80\xff"], ids=["syntax", "not text"])
async def test_invalid_json_is_422_not_500(client, new_tenant, body):
    # Bytes that do not decode as text are not JSON either: the same 422 as a syntax error.
    admin = await new_tenant()
    response = await client.post(
        "/v1/api-keys", content=body, headers=auth(admin) | {"content-type": "application/json"}
    )
    problem = assert_problem(response, 422, "invalid_input")
    assert all(error["field"].startswith("body") for error in problem["errors"]), problem


async def test_domain_validation_names_the_body_field(client, new_tenant):
    admin = await new_tenant()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = await client.post(
        "/v1/api-keys",
        json={"name": "x", "roles": ["employee"], "expires_at": past},
        headers=auth(admin),
    )
    body = assert_problem(response, 422, "invalid_input")
    assert body["errors"] == [{"field": "body.expires_at", "message": "Must be in the future."}]


async def test_tenant_a_gets_404_for_tenant_b_ids_and_changes_nothing(client, new_tenant):
    tenant_a, tenant_b = await new_tenant("A"), await new_tenant("B")
    b_key = tenant_b.admin_key.key.id
    assert_problem(
        await client.get(f"/v1/api-keys/{b_key}", headers=auth(tenant_a)), 404, "not_found"
    )
    revoke = await client.post(f"/v1/api-keys/{b_key}:revoke", headers=auth(tenant_a))
    assert_problem(revoke, 404, "not_found")
    still = await client.get(f"/v1/api-keys/{b_key}", headers=auth(tenant_b))
    assert still.json()["revoked_at"] is None
    listed = await client.get("/v1/api-keys", headers=auth(tenant_a))
    assert [key["id"] for key in listed.json()["data"]] == [str(tenant_a.admin_key.key.id)]


async def test_unknown_and_malformed_ids(client, new_tenant):
    admin = await new_tenant()
    assert_problem(
        await client.get(f"/v1/api-keys/{uuid.uuid4()}", headers=auth(admin)), 404, "not_found"
    )
    body = assert_problem(
        await client.get("/v1/api-keys/nope", headers=auth(admin)), 422, "invalid_input"
    )
    assert body["errors"][0]["field"] == "path.key_id"


async def test_roles_other_than_hr_admin_get_403(client, new_tenant):
    admin = await new_tenant()
    for role in ("employee", "manager", "integration"):
        key = (await create_key(client, admin, roles=[role]))["key"]
        response = await client.get("/v1/api-keys", headers={"X-API-Key": key})
        assert_problem(response, 403, "forbidden")
        me = await client.get("/v1/me", headers={"X-API-Key": key})
        assert me.status_code == 200


async def test_revoked_key_stops_working_and_revoking_again_conflicts(client, new_tenant):
    admin = await new_tenant()
    created = await create_key(client, admin)
    revoked = await client.post(f"/v1/api-keys/{created['id']}:revoke", headers=auth(admin))
    assert revoked.json()["revoked_at"] is not None
    assert_problem(
        await client.get("/v1/me", headers={"X-API-Key": created["key"]}), 401, "unauthenticated"
    )
    again = await client.post(f"/v1/api-keys/{created['id']}:revoke", headers=auth(admin))
    assert_problem(again, 409, "invalid_transition")


async def test_cursor_pagination_visits_every_key_once(client, new_tenant):
    admin = await new_tenant()
    made = {(await create_key(client, admin, name=f"k{n}"))["id"] for n in range(7)}
    seen, params = [], {"limit": 3}
    while True:
        page = (await client.get("/v1/api-keys", params=params, headers=auth(admin))).json()
        seen += [key["id"] for key in page["data"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        params = {"limit": 3, "cursor": page["next_cursor"]}
    assert len(seen) == len(set(seen)) == 8
    assert made | {str(admin.admin_key.key.id)} == set(seen)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "query.limit"),
        ({"limit": 0}, "query.limit"),
        ({"cursor": "!!"}, "query.cursor"),
        ({"cursor": "WyJ4Il0"}, "query.cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()}, "query.cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"[[1]]").decode()}, "query.cursor"),
    ],
)
async def test_bad_page_parameters_are_422(client, new_tenant, params, field):
    admin = await new_tenant()
    response = await client.get("/v1/api-keys", params=params, headers=auth(admin))
    body = assert_problem(response, 422, "invalid_input")
    assert body["errors"][0]["field"] == field


def token(claims, secret=JWT_SECRET):
    return jwt.encode({"exp": datetime.now(UTC) + timedelta(minutes=5)} | claims, secret, "HS256")


async def test_jwt_bearer_tokens_carry_tenant_subject_and_roles(client, new_tenant):
    admin = await new_tenant()
    employee = str(uuid.uuid4())
    good = token({"tenant": str(admin.tenant.id), "sub": employee, "roles": ["manager"]})
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {good}"})
    assert me.json() == {
        "tenant_id": str(admin.tenant.id),
        "roles": ["manager"],
        "employee_id": employee,
    }
    forged = token({"tenant": str(admin.tenant.id), "roles": ["hr_admin"]}, secret="x" * 40)
    expired = jwt.encode(
        {
            "exp": datetime.now(UTC) - timedelta(hours=1),
            "tenant": str(admin.tenant.id),
            "roles": ["hr_admin"],
        },
        JWT_SECRET,
        "HS256",
    )
    unknown_tenant = token({"tenant": str(uuid.uuid4()), "roles": ["hr_admin"]})
    for bad in (forged, expired, unknown_tenant):
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert_problem(response, 401, "unauthenticated")


async def test_unknown_route_and_wrong_method_are_problems(client):
    assert_problem(await client.get("/v1/nothing-here"), 404, "not_found")
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")


async def test_request_id_is_echoed_or_made(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    hostile = await client.get("/healthz", headers={"X-Request-ID": "a b<script>"})
    assert hostile.headers["x-request-id"] != "a b<script>"


async def test_cors_preflight_for_configured_origins_only(client):
    preflight = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    allowed = await client.options(
        "/v1/me", headers={"Origin": "https://app.example.com"} | preflight
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    refused = await client.options("/v1/me", headers={"Origin": "https://evil.example"} | preflight)
    assert "access-control-allow-origin" not in refused.headers


async def test_metrics_count_requests_by_route_template(client, new_tenant):
    admin = await new_tenant()
    await client.get(f"/v1/api-keys/{uuid.uuid4()}", headers=auth(admin))
    metrics = (await client.get("/metrics")).text
    assert (
        'tandem_http_requests_total{method="GET",route="/v1/api-keys/{key_id}",status="404"}'
        in metrics
    )


async def test_docs_and_openapi_are_served(client):
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Tandem"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "a\u0000b"}, "body.name"),
        ({"expires_at": "9999-12-31T23:59:59-05:00"}, "body.expires_at"),
        ({"expires_at": "2031-01-01T00:00:00"}, "body.expires_at"),
    ],
)
async def test_hostile_values_are_422_not_500(client, new_tenant, fields, field):
    admin = await new_tenant()
    body = {"name": "k", "roles": ["employee"]} | fields
    response = await client.post("/v1/api-keys", json=body, headers=auth(admin))
    problem = assert_problem(response, 422, "invalid_input")
    assert problem["errors"][0]["field"] == field


async def test_an_unexpected_error_is_a_500_problem_with_request_id_and_cors(settings):
    application = create_app(settings)

    async def broken():
        raise RuntimeError("bug")

    application.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://tandem.test") as client,
    ):
        response = await client.get("/broken", headers={"Origin": "https://app.example.com"})
    problem = assert_problem(response, 500, "internal_error")
    assert "bug" not in response.text
    assert problem["request_id"] == response.headers["x-request-id"]
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"


async def test_paths_a_client_makes_up_do_not_become_metric_labels(client):
    made_up = f"/v1/api-keys/{uuid.uuid4()}/"
    response = await client.get(made_up)
    assert response.status_code == 307
    metrics = (await client.get("/metrics")).text
    assert made_up not in metrics
    assert 'route="unmatched",status="307"' in metrics


async def test_readiness_reports_an_unreachable_redis(settings):
    application = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    transport = httpx.ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://tandem.test") as client,
    ):
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["redis"].startswith("unavailable")
