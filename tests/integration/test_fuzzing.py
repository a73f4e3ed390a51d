"""Schemathesis against the app in-process: every REST operation with schema-valid and
schema-breaking data, every GraphQL query and mutation field with generated documents. No
answer is a 5xx; every REST answer matches the document (status, media type, headers and
body) and schema-breaking data is refused; every GraphQL answer is a GraphQL result whose
errors are the client's, never an internal one."""

import json
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.main import create_app
from app.services.tenants import create_tenant
from tests.conftest import auth

SCHEMAS = Path(__file__).parents[2] / "openapi"
EXAMPLES = 4
CREDENTIALS = {"authorization", "x-api-key"}
REQUEST_KEYS = ("method", "url", "headers", "params", "json", "content", "data", "files")
bounded = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _without_credential_parameters(document: dict) -> dict:
    """The document with its credential headers taken out: the test sends a real key, and
    negative examples must break something other than the credentials."""
    for item in document["paths"].values():
        for operation in item.values():
            operation["parameters"] = [
                p
                for p in operation.get("parameters", [])
                if not (p["in"] == "header" and p["name"].lower() in CREDENTIALS)
            ]
    return document


def _breakable(operation) -> bool:
    """Whether some input can be made to break the schema: a body, or a parameter that is
    more than any string (a path id taken as text accepts every value)."""
    if operation.body:
        return True
    return any(
        p["schema"] != {"type": "string", "title": p["schema"].get("title")}
        for p in operation.definition.raw.get("parameters", [])
    )


# A malformed If-Match is refused as a failed precondition (a tag this API never issued
# cannot match), and that check runs before the path's: 412 is a rejection too.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428"]
REST = schemathesis.openapi.from_dict(
    _without_credential_parameters(json.loads((SCHEMAS / "openapi.json").read_text())),
    config=SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
    ),
)
OPERATIONS = [result.ok() for result in REST.get_all_operations()]
REST_CASES = [(op, GenerationMode.POSITIVE) for op in OPERATIONS] + [
    (op, GenerationMode.NEGATIVE) for op in OPERATIONS if _breakable(op)
]
# Workflow definitions travel as the JSON scalar; any literal is a fair try.
schemathesis.graphql.scalar("JSON", st.text(max_size=30).map(schemathesis.graphql.nodes.String))
GRAPHQL = schemathesis.graphql.from_path(SCHEMAS / "schema.graphql")
FIELDS = [result.ok() for result in GRAPHQL.get_all_operations()]


@pytest.fixture(scope="module")
async def fuzzed(settings, engine):
    """The app without a rate limit (one key sends every example), and an hr_admin key."""
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 0}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tandem.test") as c:
            admin = await create_tenant(SqlUnitOfWorkFactory(engine)(), name="Fuzzed")
            yield c, auth(admin)


@pytest.mark.parametrize(
    ("operation", "mode"), REST_CASES, ids=[f"{op.label} {mode}" for op, mode in REST_CASES]
)
@bounded
@given(data=st.data())
async def test_rest_operation(fuzzed, operation, mode, data):
    client, headers = fuzzed
    case = data.draw(operation.as_strategy(generation_mode=mode))
    case.headers = dict(case.headers or {}) | headers
    sent = case.as_transport_kwargs(base_url="http://tandem.test")
    if isinstance(sent.get("data"), bytes | str):  # raw bytes go as content in httpx
        sent["content"] = sent.pop("data")
    response = await client.request(**{k: v for k, v in sent.items() if k in REQUEST_KEYS})
    assert response.status_code < 500, (case.method, case.path, response.text)
    # Schema-valid data may still break a rule (a cursor this list never issued, a date in
    # the past): a 4xx for it is right, so positive data need not be accepted.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


@pytest.mark.parametrize("field", FIELDS, ids=lambda field: field.label)
@bounded
@given(data=st.data())
async def test_graphql_field(fuzzed, field, data):
    client, headers = fuzzed
    case = data.draw(field.as_strategy())
    response = await client.post("/graphql", json={"query": case.body}, headers=headers)
    assert response.status_code == 200, (case.body, response.text)
    body = response.json()
    codes = {error.get("extensions", {}).get("code") for error in body.get("errors", [])}
    assert "INTERNAL_ERROR" not in codes, (case.body, body)
    assert "data" in body or codes == {"BAD_USER_INPUT"}, (case.body, body)
